namespace VirtPS.Engine;

/// <summary>
/// Every error id VirtPS raises, in one place: the engine's <see cref="VirtPSException"/>s and the module's
/// <c>Errors.Create</c> name their id from here, and about_VirtPS lists each one (a Pester test holds the two together).
/// An id is stable: scripts match on it (FullyQualifiedErrorId starts with it).
/// </summary>
public static class ErrorIds
{
    // Lookups: a name that matches nothing, or a pattern that matches more than a parameter takes.
    public const string GuestNotFound = nameof(GuestNotFound);
    public const string HostNotFound = nameof(HostNotFound);
    public const string AmbiguousName = nameof(AmbiguousName);
    public const string NetworkNotFound = nameof(NetworkNotFound);
    public const string AdapterNotFound = nameof(AdapterNotFound);
    public const string RouteNotFound = nameof(RouteNotFound);
    public const string WorkloadNotFound = nameof(WorkloadNotFound);
    public const string FileNotFound = nameof(FileNotFound);

    // Running and inspecting guests.
    public const string GuestHalted = nameof(GuestHalted);
    public const string GuestFaulted = nameof(GuestFaulted);
    public const string AddressOutOfRange = nameof(AddressOutOfRange);
    public const string NoTranslationCache = nameof(NoTranslationCache);
    public const string NotHardwareAssisted = nameof(NotHardwareAssisted);
    public const string PagingModeNeedsHardwareAssisted = nameof(PagingModeNeedsHardwareAssisted);
    public const string InvalidWorkloadParameter = nameof(InvalidWorkloadParameter);

    // Source and arguments.
    public const string AssemblyError = nameof(AssemblyError);
    public const string InvalidDefine = nameof(InvalidDefine);
    public const string ConflictingCostParameters = nameof(ConflictingCostParameters);
    public const string InvalidCostModelArgument = nameof(InvalidCostModelArgument);

    // Networks and captures.
    public const string FrameTooShort = nameof(FrameTooShort);
    public const string AmbiguousCapture = nameof(AmbiguousCapture);
    public const string CaptureWriteFailed = nameof(CaptureWriteFailed);

    // The host execution engine (New-VGuest -Engine, VIRTPS_ENGINE).
    public const string StyleNeedsInterpreter = nameof(StyleNeedsInterpreter);
    public const string EngineNeedsSimulator = nameof(EngineNeedsSimulator);
    public const string InvalidEngineSetting = nameof(InvalidEngineSetting);

    // The KVM backend.
    public const string KvmUnavailable = nameof(KvmUnavailable);
    public const string BackendUnsupportedStyle = nameof(BackendUnsupportedStyle);
    public const string InvalidTimeLimit = nameof(InvalidTimeLimit);
    public const string GuestRunning = nameof(GuestRunning);
    public const string InstructionBudgetOnKvm = nameof(InstructionBudgetOnKvm);

    // Disks: raw image files behind the emulated block devices.
    public const string ImageDirectoryNotFound = nameof(ImageDirectoryNotFound);
    public const string ImageNotFound = nameof(ImageNotFound);
    public const string ImageTooSmall = nameof(ImageTooSmall);
    public const string ImageSizeNotSectorMultiple = nameof(ImageSizeNotSectorMultiple);
    public const string DeviceNameInUse = nameof(DeviceNameInUse);
    public const string DeviceNotFound = nameof(DeviceNotFound);
    public const string DeviceModeNotSupported = nameof(DeviceModeNotSupported);
    public const string DeviceChangeWhileRunning = nameof(DeviceChangeWhileRunning);
    public const string DeviceAlreadyAssigned = nameof(DeviceAlreadyAssigned);
    public const string InvalidDeviceName = nameof(InvalidDeviceName);
    public const string InvalidIoModel = nameof(InvalidIoModel);
    public const string NotAVirtioDevice = nameof(NotAVirtioDevice);
    public const string NotAnIoWorkload = nameof(NotAnIoWorkload);
    public const string InvalidQueueIndex = nameof(InvalidQueueIndex);
    public const string ImageReadOnly = nameof(ImageReadOnly);

    // Input: the keyboard and mouse go to the guest with the input focus.
    public const string NoInputFocus = nameof(NoInputFocus);
    public const string NoInputDevice = nameof(NoInputDevice);
    public const string InputNotTypeable = nameof(InputNotTypeable);
    public const string InputKeyNotFound = nameof(InputKeyNotFound);

    // Labs on disk: Export-VLab, Import-VLab.
    public const string LabFileNotFound = nameof(LabFileNotFound);
    public const string LabFileInvalid = nameof(LabFileInvalid);
    public const string LabFieldInvalid = nameof(LabFieldInvalid);
    public const string LabVersionNotSupported = nameof(LabVersionNotSupported);
    public const string LabConflict = nameof(LabConflict);

    // Checkpoints.
    public const string CheckpointNotSupported = nameof(CheckpointNotSupported);
    public const string CheckpointNotFound = nameof(CheckpointNotFound);
    public const string CheckpointNameInUse = nameof(CheckpointNameInUse);
    public const string InvalidCheckpointName = nameof(InvalidCheckpointName);
    public const string CheckpointFileNotFound = nameof(CheckpointFileNotFound);
    public const string CheckpointFileInvalid = nameof(CheckpointFileInvalid);
    public const string CheckpointChecksumMismatch = nameof(CheckpointChecksumMismatch);
    public const string CheckpointVersionNotSupported = nameof(CheckpointVersionNotSupported);
    public const string CheckpointFieldInvalid = nameof(CheckpointFieldInvalid);

    // Reports: Export-VReport.
    public const string ReportInputNotSupported = nameof(ReportInputNotSupported);
    public const string ReportEmpty = nameof(ReportEmpty);
    public const string ReportPathNotFound = nameof(ReportPathNotFound);
    public const string ReportWriteFailed = nameof(ReportWriteFailed);

    // The engine: guests, styles, memory, hosts, networks, costs.
    public const string UnknownWorkloadParameter = nameof(UnknownWorkloadParameter);
    public const string AdapterNotConnected = nameof(AdapterNotConnected);
    public const string AddressPoolExhausted = nameof(AddressPoolExhausted);
    public const string ConflictingExitControls = nameof(ConflictingExitControls);
    public const string DefaultHostCannotBeRemoved = nameof(DefaultHostCannotBeRemoved);
    public const string DuplicateGuest = nameof(DuplicateGuest);
    public const string DuplicateMacAddress = nameof(DuplicateMacAddress);
    public const string EndpointNotFound = nameof(EndpointNotFound);
    public const string EptMisconfiguration = nameof(EptMisconfiguration);
    public const string EptViolation = nameof(EptViolation);
    public const string ExitReasonNotControllable = nameof(ExitReasonNotControllable);
    public const string FileReadError = nameof(FileReadError);
    public const string GatewayUnreachable = nameof(GatewayUnreachable);
    public const string GuestExists = nameof(GuestExists);
    public const string GuestNotOnHost = nameof(GuestNotOnHost);
    public const string GuestPageFault = nameof(GuestPageFault);
    public const string HostHasGuests = nameof(HostHasGuests);
    public const string HostNameInUse = nameof(HostNameInUse);
    public const string ImageOverlapsLoaderData = nameof(ImageOverlapsLoaderData);
    public const string InvalidCidr = nameof(InvalidCidr);
    public const string InvalidCommandLine = nameof(InvalidCommandLine);
    public const string InvalidCostModel = nameof(InvalidCostModel);
    public const string InvalidEntryPoint = nameof(InvalidEntryPoint);
    public const string InvalidEptPageSize = nameof(InvalidEptPageSize);
    public const string InvalidHypervisorType = nameof(InvalidHypervisorType);
    public const string InvalidInstructionCount = nameof(InvalidInstructionCount);
    public const string InvalidIpAddress = nameof(InvalidIpAddress);
    public const string InvalidIterations = nameof(InvalidIterations);
    public const string InvalidMacAddress = nameof(InvalidMacAddress);
    public const string InvalidMemorySize = nameof(InvalidMemorySize);
    public const string InvalidNetworkName = nameof(InvalidNetworkName);
    public const string InvalidPhysicalCpus = nameof(InvalidPhysicalCpus);
    public const string InvalidProcessCount = nameof(InvalidProcessCount);
    public const string InvalidProtocol = nameof(InvalidProtocol);
    public const string InvalidQuantum = nameof(InvalidQuantum);
    public const string InvalidTimerPeriod = nameof(InvalidTimerPeriod);
    public const string InvalidTlbGeometry = nameof(InvalidTlbGeometry);
    public const string InvalidTlbTagging = nameof(InvalidTlbTagging);
    public const string MsrExitsPaired = nameof(MsrExitsPaired);
    public const string NestedPagingNotEnabled = nameof(NestedPagingNotEnabled);
    public const string NetworkExists = nameof(NetworkExists);
    public const string NonCanonicalAddress = nameof(NonCanonicalAddress);
    public const string NotNatNetwork = nameof(NotNatNetwork);
    public const string PagingDisabled = nameof(PagingDisabled);
    public const string PagingModeNotSupported = nameof(PagingModeNotSupported);
    public const string PcidInUse = nameof(PcidInUse);
    public const string PortForwardExists = nameof(PortForwardExists);
    public const string ProgramNotFound = nameof(ProgramNotFound);
    public const string ProgramOriginNotUserBase = nameof(ProgramOriginNotUserBase);
    public const string ProgramTooLarge = nameof(ProgramTooLarge);
    public const string ShadowPagingNeedsExit = nameof(ShadowPagingNeedsExit);
    public const string StyleNeedsParavirtualKernel = nameof(StyleNeedsParavirtualKernel);
    public const string SubnetOverlap = nameof(SubnetOverlap);
    public const string UnconditionalExit = nameof(UnconditionalExit);
    public const string UnknownCostProfile = nameof(UnknownCostProfile);
    public const string UnknownWorkload = nameof(UnknownWorkload);
    public const string UnsupportedStyle = nameof(UnsupportedStyle);
    public const string ClassFileBadMagic = nameof(ClassFileBadMagic);
    public const string ClassFileMalformed = nameof(ClassFileMalformed);
    public const string ClassFileNotFound = nameof(ClassFileNotFound);
    public const string ClassFileTruncated = nameof(ClassFileTruncated);
    public const string ClassFileVersionUnsupported = nameof(ClassFileVersionUnsupported);
    public const string ClassFilesNeedApplicationStyle = nameof(ClassFilesNeedApplicationStyle);
    public const string BytecodeUnsupported = nameof(BytecodeUnsupported);
    public const string BytecodeVerifyFailed = nameof(BytecodeVerifyFailed);
    public const string InvalidJitThreshold = nameof(InvalidJitThreshold);
    public const string JavaCompileFailed = nameof(JavaCompileFailed);
    public const string JavaLinkFailed = nameof(JavaLinkFailed);
    public const string JavaMainNotFound = nameof(JavaMainNotFound);
    public const string NotApplicationGuest = nameof(NotApplicationGuest);
    public const string StyleNeedsClassFiles = nameof(StyleNeedsClassFiles);
    public const string WorkloadDidNotFinish = nameof(WorkloadDidNotFinish);

    // Containers (OS-level virtualization, Guests/ContainerHost.cs).
    public const string ContainerOptionNeedsContainerStyle = nameof(ContainerOptionNeedsContainerStyle);
    public const string ContainerNeedsKernelProgram = nameof(ContainerNeedsKernelProgram);
    public const string ContainerNeedsHost = nameof(ContainerNeedsHost);
    public const string ContainerKernelMismatch = nameof(ContainerKernelMismatch);
    public const string InvalidCpuQuota = nameof(InvalidCpuQuota);
    public const string MemoryLimitTooSmall = nameof(MemoryLimitTooSmall);
    public const string UnknownNamespace = nameof(UnknownNamespace);
    public const string InvalidContainerHostName = nameof(InvalidContainerHostName);
    public const string TooManyContainers = nameof(TooManyContainers);
    public const string ContainerHasNoDevices = nameof(ContainerHasNoDevices);
    public const string ContainerSharesHostNetwork = nameof(ContainerSharesHostNetwork);

    // The Library style: a Windows PE and its loader.
    public const string NotPortableExecutable = nameof(NotPortableExecutable);
    public const string PeTruncated = nameof(PeTruncated);
    public const string PeMachineNotSupported = nameof(PeMachineNotSupported);
    public const string PeInvalid = nameof(PeInvalid);
    public const string PeNotRelocatable = nameof(PeNotRelocatable);
    public const string LibraryNeedsPe = nameof(LibraryNeedsPe);
    public const string NotLibraryGuest = nameof(NotLibraryGuest);
}
