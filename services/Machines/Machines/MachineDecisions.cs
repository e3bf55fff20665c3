using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;

namespace MaaS.Machines.Machines;

public enum MachineCommand
{
    Accept,
    Start,
    Stop,
    Reset,
    RequestTermination,
}

/// <summary>
/// Whether a member may give a machine a command, decided on the state the chain shows now: a wrong party is refused
/// with 403 and a wrong state with 409 before any transaction is sent. The contract checks the same again on its own.
/// </summary>
public static class MachineDecisions
{
    public static void Decide(MachineDetails machine, MachineCommand command, MemberIdentity caller)
    {
        switch (command)
        {
            case MachineCommand.Accept:
                RequireCustomer(machine, caller);
                RequireState(machine, command, MachineState.Registered);
                if (machine.LatestTermsVersion is null)
                    throw DomainException.Conflict("terms-not-set", $"Machine {machine.Id} has no terms on chain yet; accept once the OEM's terms are set.");
                break;
            case MachineCommand.Start:
                RequireCustomer(machine, caller);
                RequireState(machine, command, MachineState.Accepted);
                break;
            case MachineCommand.Stop:
                RequireParty(machine, caller);
                RequireState(machine, command, MachineState.Executed);
                break;
            case MachineCommand.Reset:
                RequireParty(machine, caller);
                RequireState(machine, command, MachineState.Stopped);
                break;
            case MachineCommand.RequestTermination:
                RequireParty(machine, caller);
                if (machine.State is MachineState.None or MachineState.Terminated)
                    throw DomainException.Conflict("invalid-state", $"Machine {machine.Id} is {machine.State}: it cannot be terminated.");
                if (machine.TerminationRequestedBy.Contains(caller.Account, StringComparer.OrdinalIgnoreCase))
                    throw DomainException.Conflict("termination-already-requested", "You already asked to terminate this machine; the other party must agree.");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(command));
        }
    }

    private static void RequireCustomer(MachineDetails machine, MemberIdentity caller)
    {
        if (!machine.IsCustomer(caller)) throw DomainException.Forbidden($"Only the customer of machine {machine.Id} may do this.");
    }

    private static void RequireParty(MachineDetails machine, MemberIdentity caller)
    {
        if (!machine.IsParty(caller)) throw DomainException.Forbidden($"Only the OEM or the customer of machine {machine.Id} may do this.");
    }

    private static void RequireState(MachineDetails machine, MachineCommand command, params MachineState[] allowed)
    {
        if (!allowed.Contains(machine.State))
            throw DomainException.Conflict("invalid-state",
                $"Machine {machine.Id} is {machine.State}; {command} needs it {string.Join(" or ", allowed)}.");
    }
}
