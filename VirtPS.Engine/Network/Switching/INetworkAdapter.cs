namespace VirtPS.Engine.Network.Switching;

/// <summary>
/// The boundary between a NIC and whatever carries its frames. A NIC calls <see cref="Send"/>; the medium calls
/// <see cref="Receive"/>. The IO-virtualization work plugs emulated, virtio and passthrough devices in here
/// (they wrap an adapter and add their own register/queue costs) without the stacks or switches knowing.
/// </summary>
public interface INetworkAdapter
{
    string Name { get; }
    /// <summary>Hands an Ethernet frame (wire bytes, no FCS) to the medium.</summary>
    void Send(byte[] frame);
    /// <summary>Set by the NIC: called with each frame the medium delivers.</summary>
    Action<byte[]>? Receive { get; set; }
}
