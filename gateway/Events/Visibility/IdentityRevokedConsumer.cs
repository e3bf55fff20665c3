using MaaS.Gateway.Identity;
using MassTransit;
using Contract = MaaS.Contracts.Machines;

namespace MaaS.Gateway.Events.Visibility;

/// <summary>
/// Makes a revoked API key or member stop at once on every gateway instance, not when its cached identity runs out.
/// It consumes on a queue of this instance's own (every instance gets every announcement, unlike the shared queue
/// of partner events) and empties the instance's identity cache.
/// </summary>
public sealed class IdentityRevokedConsumer(MemberDirectory directory, ILogger<IdentityRevokedConsumer> logger)
    : IConsumer<Contract.ApiKeyRevoked>, IConsumer<Contract.MemberRevoked>
{
    public Task Consume(ConsumeContext<Contract.ApiKeyRevoked> context)
    {
        directory.ForgetAll();
        logger.LogInformation("API key {KeyId} of member {MemberId} revoked: cached identities forgotten", context.Message.KeyHash[..16], context.Message.MemberId);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<Contract.MemberRevoked> context)
    {
        directory.ForgetAll();
        logger.LogInformation("Member {Account} revoked: cached identities forgotten", context.Message.Account);
        return Task.CompletedTask;
    }
}
