namespace MaaS.Testing;

/// <summary>Waits for a condition with a deadline instead of sleeping a fixed time.</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null) where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await probe() is { } value) return value;
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or Shouldly.ShouldAssertException)
            {
                last = ex;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"Timed out waiting for {what}" + (last is null ? "." : $"; last error: {last.Message}"), last);
    }

    public static Task TrueAsync(Func<Task<bool>> probe, string what, TimeSpan? timeout = null) =>
        GetAsync<object>(async () => await probe() ? new object() : null, what, timeout);
}
