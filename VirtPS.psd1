@{
    RootModule           = 'VirtPS.dll'
    # Should operators for Pester (about_VirtPS_Pester), registered when Pester is loaded first.
    NestedModules        = @('VirtPS.Pester.psm1')
    ModuleVersion        = '0.1.0'
    GUID                 = '20d3d92b-59c2-474d-9678-f4f98b6d65be'
    Author               = 'VirtPS contributors'
    CompanyName          = 'VirtPS'
    Copyright            = '(c) VirtPS contributors'
    Description          = 'Virtualization experiments: create guests, run real x86-64 machine code in them, and measure what each virtualization style costs.'
    PowerShellVersion    = '7.6'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('VirtPS.Format.ps1xml')
    TypesToProcess       = @('VirtPS.Types.ps1xml')
    CmdletsToExport      = @(
        'ConvertTo-VProgram'
        'New-VGuest'
        'Get-VGuest'
        'Remove-VGuest'
        'Set-VGuest'
        'Invoke-VStep'
        'Get-VRegister'
        'Get-VDisassembly'
        'Measure-VGuest'
        'Receive-VConsole'
        'Send-VConsole'
        'Set-VInputFocus'
        'Send-VInput'
        'Get-VWorkload'
        'Compare-VStyle'
        'Get-VProcess'
        'Compare-VBackend'
        'Get-VTranslationCache'
        'Get-VMethod'
        'Get-VImport'
        'Get-VTranslation'
        'Get-VTlb'
        'Clear-VTlb'
        'New-VNetwork'
        'Get-VNetwork'
        'Set-VNetwork'
        'Remove-VNetwork'
        'Connect-VNetworkAdapter'
        'Disconnect-VNetworkAdapter'
        'Get-VNetworkAdapter'
        'Test-VConnection'
        'Get-VReachability'
        'Add-VPortForward'
        'Get-VNatSession'
        'Add-VRoute'
        'Remove-VRoute'
        'Start-VCapture'
        'Stop-VCapture'
        'Export-VCapture'
        'Export-VReport'
        'Export-VLab'
        'Checkpoint-VGuest'
        'Restore-VGuest'
        'Get-VCheckpoint'
        'Remove-VCheckpoint'
        'Export-VCheckpoint'
        'Import-VCheckpoint'
        'Import-VLab'
        'Send-VPacket'
        'New-VHost'
        'Get-VHost'
        'Set-VHost'
        'Remove-VHost'
        'Get-VCostModel'
        'Add-VDisk'
        'Get-VDevice'
        'Set-VDevice'
        'Remove-VDevice'
        'Get-VVirtqueue'
        'Get-VIommu'
        'Compare-VIoMode'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('virtualization', 'x86-64', 'emulation', 'hypervisor')
        }
    }
}
