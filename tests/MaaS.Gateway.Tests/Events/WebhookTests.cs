using System.Diagnostics;
using System.Net;
using System.Text.Json;
using MaaS.Gateway.Events.Subscribing;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Gateway.Tests.Events;

[Collection(EventsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class WebhookTests(EventsFixture fixture)
{
    private static readonly string[] MachineTypes = ["services.maas.machine.registered.v1", "services.maas.machine.accepted.v1"];

    [Fact]
    public async Task Webhooks_GetSignedCloudEvents_OfTheirMachines_AndAStrangerGetsNone()
    {
        var customerHook = "customer-" + Guid.NewGuid().ToString("N")[..8];
        var strangerHook = "stranger-" + Guid.NewGuid().ToString("N")[..8];
        var maintainerHook = "maintainer-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.SubscribeAsync(fixture.Customer, customerHook, MachineTypes);
        var strangers = await fixture.SubscribeAsync(fixture.Stranger, strangerHook, MachineTypes);
        await fixture.SubscribeAsync(fixture.Maintainer, maintainerHook, MachineTypes);

        var machineId = await fixture.ProvisionAsync(fixture.Customer);

        var received = await Eventually.GetAsync(async () =>
        {
            await Task.Yield();
            var mine = fixture.Receiver.For(customerHook).Where(r => r.Subject == machineId.ToString()).ToList();
            return mine.Count >= 2 ? mine : null;
        }, "the customer's webhook to get the registration and the acceptance", TimeSpan.FromSeconds(60));
        received.Select(r => r.Type).ShouldBe(MachineTypes, ignoreOrder: true);
        foreach (var e in received)
        {
            e.SignatureValid.ShouldBeTrue($"signature {e.Signature} of {e.Type}");
            e.ContentType.ShouldStartWith("application/cloudevents+json");
            e.CloudEvent.GetProperty("specversion").GetString().ShouldBe("1.0");
            e.CloudEvent.GetProperty("source").GetString().ShouldBe("/maas/machines");
            e.CloudEvent.GetProperty("datacontenttype").GetString().ShouldBe("application/json");
            e.CloudEvent.GetProperty("data").GetProperty("machineId").GetGuid().ShouldBe(machineId);
            e.DeliveryId.ShouldNotBeNullOrEmpty();
        }
        var registered = received.Single(r => r.Type == MachineTypes[0]).CloudEvent.GetProperty("data");
        registered.GetProperty("customer").GetString().ShouldBe(fixture.Customer.Account);
        registered.GetProperty("model").GetString().ShouldBe(EventsFixture.Model);
        received.Select(r => r.Id).Distinct().Count().ShouldBe(2);

        // The accredited maintainer sees the machine as Machines shows it to it.
        await Eventually.TrueAsync(async () =>
        {
            await Task.Yield();
            return fixture.Receiver.For(maintainerHook).Count(r => r.Subject == machineId.ToString() && r.SignatureValid) == 2;
        }, "the accredited maintainer's webhook to get both events", TimeSpan.FromSeconds(60));

        // Every delivery of an event is queued in the transaction that records it: with the customer's delivered,
        // the stranger's would exist by now. It has none, in its log or at its receiver.
        using var stranger = fixture.As(fixture.Stranger);
        var log = await stranger.GetAsync<JsonElement>($"/api/subscriptions/{strangers}/deliveries");
        log.EnumerateArray().Where(d => d.GetProperty("machineId").GetGuid() == machineId).ShouldBeEmpty();
        fixture.Receiver.For(strangerHook).Where(r => r.Subject == machineId.ToString()).ShouldBeEmpty();
    }

    [Fact]
    public async Task TheSecret_IsSealedAtRest_AndStillSigns()
    {
        var hook = "sealed-" + Guid.NewGuid().ToString("N")[..8];
        var id = await fixture.SubscribeAsync(fixture.Oem, hook, [MachineTypes[0]]);
        var secret = fixture.Receiver.SecretOf(hook);

        var stored = await fixture.ScalarAsync<string>("SELECT secret FROM gateway.subscriptions WHERE id = $1", id);
        stored.ShouldNotContain(secret);
        stored.ShouldNotContain(secret["whsec_".Length..]);
        var secrets = WebhookSecrets.From(fixture.SecretsKey);
        secrets.Open(stored, id).ShouldBe(secret);
        // Bound to its subscription: the same sealed value under another subscription's id does not open.
        Should.Throw<System.Security.Cryptography.AuthenticationTagMismatchException>(() => secrets.Open(stored, Guid.NewGuid()));
        // A database dump without the key is no help either.
        Should.Throw<System.Security.Cryptography.AuthenticationTagMismatchException>(
            () => WebhookSecrets.From(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))).Open(stored, id));

        var machineId = await fixture.ProvisionAsync(fixture.Customer, accept: false);
        var delivered = await Eventually.GetAsync(async () =>
        {
            await Task.Yield();
            return fixture.Receiver.For(hook).FirstOrDefault(r => r.Subject == machineId.ToString());
        }, "the webhook to get the registration", TimeSpan.FromSeconds(60));
        delivered.SignatureValid.ShouldBeTrue();
    }

    [Fact]
    public async Task Signature_IsCheckableWithOpenssl_AsDocumented()
    {
        var hook = "openssl-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.SubscribeAsync(fixture.Oem, hook, [MachineTypes[0]]);
        var machineId = await fixture.ProvisionAsync(fixture.Customer, accept: false);
        var e = await Eventually.GetAsync(async () =>
        {
            await Task.Yield();
            return fixture.Receiver.For(hook).FirstOrDefault(r => r.Subject == machineId.ToString());
        }, "the OEM's webhook to get the registration", TimeSpan.FromSeconds(60));

        // The recipe of docs/gateway.md, verbatim, in a shell: the signature header, the secret and the raw body are all a receiver has.
        var directory = Directory.CreateTempSubdirectory("maas-webhook-");
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(directory.FullName, "body.json"), e.Body);
            const string recipe = """
                t=${header#t=}; t=${t%%,*}; v1=${header##*v1=}
                printf '%s.' "$t" | cat - body.json | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1
                """;
            var start = new ProcessStartInfo("bash", ["-c", recipe]) { WorkingDirectory = directory.FullName, RedirectStandardOutput = true };
            start.Environment["header"] = e.Signature;
            start.Environment["secret"] = fixture.Receiver.SecretOf(hook);
            using var shell = Process.Start(start)!;
            var output = await shell.StandardOutput.ReadToEndAsync();
            await shell.WaitForExitAsync();
            shell.ExitCode.ShouldBe(0);
            output.Trim().ShouldBe(e.Signature.Split("v1=")[1]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task FailingReceiver_IsRetried_ThenDeadLettered_ThenRedeliveredOnRequest()
    {
        var hook = "flaky-" + Guid.NewGuid().ToString("N")[..8];
        fixture.Receiver.Fail(hook, true);
        var subscription = await fixture.SubscribeAsync(fixture.Customer, hook, [MachineTypes[0]]);
        var machineId = await fixture.ProvisionAsync(fixture.Customer, accept: false);
        using var customer = fixture.As(fixture.Customer);

        var dead = await Eventually.GetAsync(async () =>
        {
            var log = await customer.GetAsync<JsonElement>($"/api/subscriptions/{subscription}/deliveries?status=dead");
            return log.EnumerateArray().Where(d => d.GetProperty("machineId").GetGuid() == machineId).Select(d => (JsonElement?)d).FirstOrDefault()?.Clone() is { } d
                ? new Box(d) : null;
        }, "the delivery to be dead-lettered", TimeSpan.FromSeconds(60));
        var delivery = dead.Value;
        delivery.GetProperty("attempts").GetInt32().ShouldBe(EventsFixture.MaxAttempts);
        delivery.GetProperty("nextAttemptAt").ValueKind.ShouldBe(JsonValueKind.Null);
        var attempts = delivery.GetProperty("attemptLog").EnumerateArray().ToList();
        attempts.Count.ShouldBe(EventsFixture.MaxAttempts);
        attempts.ShouldAllBe(a => a.GetProperty("statusCode").GetInt32() == 500);
        // Backoff: each wait at least the base delay, doubled (200 ms, 400 ms).
        (attempts[1].GetProperty("at").GetDateTimeOffset() - attempts[0].GetProperty("at").GetDateTimeOffset()).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(190));
        (attempts[2].GetProperty("at").GetDateTimeOffset() - attempts[1].GetProperty("at").GetDateTimeOffset()).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(390));
        var posts = fixture.Receiver.For(hook).Where(r => r.Subject == machineId.ToString()).ToList();
        posts.Count.ShouldBe(EventsFixture.MaxAttempts);
        posts.Select(p => p.Id).Distinct().Count().ShouldBe(1, "every retry carries the same CloudEvent id");

        fixture.Receiver.Fail(hook, false);
        var deliveryId = delivery.GetProperty("id").GetGuid();
        using (var redeliver = await customer.PostJsonAsync($"/api/subscriptions/{subscription}/deliveries/{deliveryId}/redeliveries", null))
            redeliver.StatusCode.ShouldBe(HttpStatusCode.Accepted, await redeliver.Content.ReadAsStringAsync());

        await Eventually.TrueAsync(async () =>
        {
            var log = await customer.GetAsync<JsonElement>($"/api/subscriptions/{subscription}/deliveries");
            var d = log.EnumerateArray().Single(x => x.GetProperty("id").GetGuid() == deliveryId);
            return d.GetProperty("status").GetString() == "delivered";
        }, "the redelivery to succeed", TimeSpan.FromSeconds(30));
        var after = fixture.Receiver.For(hook).Where(r => r.Subject == machineId.ToString()).ToList();
        after.Count.ShouldBe(EventsFixture.MaxAttempts + 1);
        after[^1].SignatureValid.ShouldBeTrue();
        after[^1].Id.ShouldBe(posts[0].Id);

        // Delivered now: asking again is allowed (it is sent once more); the dead-letter sweep finds nothing.
        var none = await (await customer.PostJsonAsync($"/api/subscriptions/{subscription}/redeliveries", null)).ReadAsync<JsonElement>(HttpStatusCode.Accepted);
        none.GetProperty("redelivered").GetInt32().ShouldBe(0);
    }

    private sealed record Box(JsonElement Value);
}
