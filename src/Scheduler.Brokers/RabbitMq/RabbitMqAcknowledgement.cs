using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Scheduler.Runtime.Ingestion;

namespace Scheduler.Brokers.RabbitMq;

/// <summary>
/// Acknowledges one delivery on the channel that delivered it (a delivery tag means something only there). Once that channel is gone the broker has requeued the
/// delivery already, so both calls do nothing: the message comes again, marked redelivered.
/// </summary>
internal sealed class RabbitMqAcknowledgement(IChannel channel, ulong deliveryTag) : IDeliveryAcknowledgement
{
    public async ValueTask AcknowledgeAsync()
    {
        if (!channel.IsOpen) return;
        try
        {
            await channel.BasicAckAsync(deliveryTag, multiple: false).ConfigureAwait(false);
        }
        catch (AlreadyClosedException)
        {
            // Lost with its channel: redelivered, and acknowledged then.
        }
    }

    public async ValueTask GiveBackAsync()
    {
        if (!channel.IsOpen) return;
        try
        {
            await channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true).ConfigureAwait(false);
        }
        catch (AlreadyClosedException)
        {
        }
    }
}
