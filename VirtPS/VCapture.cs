using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Network;
using VirtPS.Engine.Network.Capture;

namespace VirtPS;

/// <summary>The state of one capture point after Start-VCapture or Stop-VCapture.</summary>
public sealed record VCapture(string Name, bool Running, int FrameCount, int Limit);
