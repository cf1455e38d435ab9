using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Network;
using VirtPS.Engine.Network.Capture;

namespace VirtPS;

/// <summary>The physical segments whose switches can be captured besides the virtual networks.</summary>
public enum CaptureSegment { Lan, Internet }
