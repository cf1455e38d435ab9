using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Stack;

public enum RouteKind { Connected, Static }
