# Virtual networks from PowerShell: the cmdlets over the network engine, the reachability matrix of every mode,
# NAT port forwards and sessions, static routes, captures, raw packets, and bad input that leaves nothing behind.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force

    # The topology of every matrix test: guests a and b on 'net', guest c on another (Isolated) network.
    function New-Topology([string] $Mode) {
        New-VNetwork -Name other -Mode Isolated -Subnet 172.31.0.0/24 | Out-Null
        New-VGuest -Name c | Connect-VNetworkAdapter -Network other
        New-VNetwork -Name net -Mode $Mode | Out-Null
        'a', 'b' | New-VGuest | Connect-VNetworkAdapter -Network net
    }

    # Asserts every cell of a matrix given as rows 'from: a b c host lan inet' of Y (reply) and . (no reply).
    function Assert-Matrix([object[]] $Cells, [string[]] $Expected) {
        $names = 'a', 'b', 'c', 'host', '192.168.1.20', '203.0.113.10'
        $Cells.Count | Should -Be 30
        for ($i = 0; $i -lt 6; $i++) {
            $row = ($Expected[$i] -split ':')[1].Trim() -split '\s+'
            for ($j = 0; $j -lt 6; $j++) {
                if ($i -eq $j) { continue }
                $cell = $Cells | Where-Object { $_.From -eq $names[$i] -and $_.To -eq $names[$j] }
                $cell | Should -HaveCount 1
                $want = $row[$j] -eq 'Y'
                $cell.Success | Should -Be $want -Because "$($names[$i]) -> $($names[$j]) ($($cell.Status))"
                if ($want) { "$($cell.ReplySource)" | Should -Be "$($cell.TargetAddress)" -Because "$($names[$i]) -> $($names[$j]) replies from the address it was sent to" }
                else { $cell.Status | Should -Not -Be 'Reply' }
            }
        }
    }

    $Matrices = @{
        Bridge = @(
            'a:    - Y . Y Y Y'
            'b:    Y - . Y Y Y'
            'c:    . . - . . .'
            'host: Y Y . - Y Y'
            'lan:  Y Y . Y - Y'
            'inet: Y Y . Y Y -')
        Isolated = @(
            'a:    - Y . . . .'
            'b:    Y - . . . .'
            'c:    . . - . . .'
            'host: . . . - Y Y'
            'lan:  . . . Y - Y'
            'inet: . . . Y Y -')
        HostOnly = @(
            'a:    - Y . Y . .'
            'b:    Y - . Y . .'
            'c:    . . - . . .'
            'host: Y Y . - Y Y'
            'lan:  . . . Y - Y'
            'inet: . . . Y Y -')
        Routed = @(
            'a:    - Y . Y . .'
            'b:    Y - . Y . .'
            'c:    . . - . . .'
            'host: Y Y . - Y Y'
            'lan:  . . . Y - Y'
            'inet: . . . Y Y -')
        RoutedWithRoute = @(
            'a:    - Y . Y Y Y'
            'b:    Y - . Y Y Y'
            'c:    . . - . . .'
            'host: Y Y . - Y Y'
            'lan:  Y Y . Y - Y'
            'inet: Y Y . Y Y -')
        Nat = @(
            'a:    - Y . Y Y Y'
            'b:    Y - . Y Y Y'
            'c:    . . - . . .'
            'host: Y Y . - Y Y'
            'lan:  . . . Y - Y'
            'inet: . . . Y Y -')
    }
}

Describe 'Networks' {
    AfterEach {
        Get-VNetwork | Remove-VNetwork -Confirm:$false
        Get-VGuest | Remove-VGuest -Confirm:$false
    }

    Describe 'New-VNetwork, Get-VNetwork, Set-VNetwork, Remove-VNetwork' {
        It 'creates networks with VirtualBox default subnets and lists them by pattern' {
            $n = New-VNetwork -Name nat1 -Mode Nat
            $n.Mode | Should -Be 'Nat'
            "$($n.Subnet)" | Should -Be '10.0.2.0/24'
            "$((New-VNetwork -Name nat2 -Mode Nat).Subnet)" | Should -Be '10.0.3.0/24'
            "$((New-VNetwork -Name ho -Mode HostOnly).Subnet)" | Should -Be '192.168.56.0/24'
            @(Get-VNetwork).Name | Should -Be @('ho', 'nat1', 'nat2')
            @(Get-VNetwork -Name nat*).Name | Should -Be @('nat1', 'nat2')
            @(Get-VNetwork -Name zz*) | Should -HaveCount 0
        }

        It 'reports NetworkNotFound for an unknown plain name' {
            Get-VNetwork -Name nope -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NetworkNotFound,*'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'rejects <Case> with <Id> and leaves nothing behind' -ForEach @(
            @{ Case = 'a malformed CIDR'; Subnet = '10.0.300.0/24'; Id = 'InvalidCidr' }
            @{ Case = 'a prefix without length'; Subnet = '10.0.9.0'; Id = 'InvalidCidr' }
            @{ Case = 'a subnet overlapping another network'; Subnet = '10.0.2.128/25'; Id = 'SubnetOverlap' }
            @{ Case = 'a subnet overlapping the LAN'; Subnet = '192.168.0.0/16'; Id = 'SubnetOverlap' }
        ) {
            New-VNetwork -Name first -Mode Nat | Out-Null
            New-VNetwork -Name bad -Mode HostOnly -Subnet $Subnet -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
            @(Get-VNetwork).Name | Should -Be @('first')
            (New-VNetwork -Name bad -Mode HostOnly).Name | Should -Be 'bad' -Because 'the failed name was not taken'
        }

        It 'rejects a duplicate name with NetworkExists' {
            New-VNetwork -Name lan -Mode Nat | Out-Null
            New-VNetwork -Name lan -Mode Isolated -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NetworkExists,*'
            (Get-VNetwork lan).Mode | Should -Be 'Nat'
        }

        It 'changes the mode live, writing only with -PassThru' {
            New-VNetwork -Name lan -Mode Nat | Out-Null
            Set-VNetwork -Name lan -Mode Bridge | Should -BeNullOrEmpty
            (Get-VNetwork lan).Mode | Should -Be 'Bridge'
            (Get-VNetwork lan | Set-VNetwork -Mode Isolated -PassThru).Mode | Should -Be 'Isolated'
        }

        It 'removes by name and by pipeline, honours -WhatIf, and disconnects adapters' {
            'x', 'y' | New-VNetwork -Mode Isolated | Out-Null
            New-VGuest -Name g | Connect-VNetworkAdapter -Network x
            Remove-VNetwork -Name * -WhatIf
            @(Get-VNetwork) | Should -HaveCount 2
            (Remove-VNetwork -Name x -PassThru).Name | Should -Be 'x'
            @(Get-VNetworkAdapter) | Should -HaveCount 0
            Get-VNetwork y | Remove-VNetwork
            @(Get-VNetwork) | Should -HaveCount 0
            Remove-VNetwork -Name x -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NetworkNotFound,*'
        }

        It 'keeps networks per runspace' {
            New-VNetwork -Name mine -Mode Nat | Out-Null
            $module = (Get-Module VirtPS).ModuleBase
            $inner = 1..2 | ForEach-Object -Parallel {
                Import-Module $using:module
                New-VNetwork -Name mine -Mode Nat | Out-Null
                @(Get-VNetwork).Count
            }
            $inner | Should -Be @(1, 1)
            @(Get-VNetwork).Name | Should -Be @('mine')
        }

        It 'completes network names on Tab' {
            'alpha', 'beta' | New-VNetwork -Mode Isolated | Out-Null
            $line = 'Get-VNetwork -Name al'
            $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            $r.CompletionMatches.CompletionText | Should -Be @('alpha')
        }
    }

    Describe 'Connect-VNetworkAdapter, Get-VNetworkAdapter, Disconnect-VNetworkAdapter' {
        It 'connects piped guests and returns adapters with -PassThru' {
            New-VNetwork -Name lan -Mode Nat | Out-Null
            $nics = 'web', 'db' | New-VGuest | Connect-VNetworkAdapter -Network lan -PassThru
            $nics | Should -HaveCount 2
            @($nics.IPAddress | ForEach-Object { "$_" }) | Should -Be @('10.0.2.15', '10.0.2.16')
            "$($nics[0].MacAddress)" | Should -Match '^02:'
            New-VGuest -Name quiet | Connect-VNetworkAdapter -Network lan | Should -BeNullOrEmpty
        }

        It 'connects a piped network to named guests' {
            New-VGuest -Name web | Out-Null
            $nic = New-VNetwork -Name lab -Mode HostOnly | Connect-VNetworkAdapter -Guest web -MacAddress 02:00:00:00:00:42 -PassThru
            "$($nic.MacAddress)" | Should -Be '02:00:00:00:00:42'
            "$($nic.IPAddress)" | Should -Be '192.168.56.101'
        }

        It 'filters adapters by guest and network' {
            New-VNetwork -Name nat -Mode Nat | Out-Null
            New-VNetwork -Name priv -Mode Isolated | Out-Null
            $g = New-VGuest -Name web
            New-VGuest -Name db | Connect-VNetworkAdapter -Network nat
            $g | Connect-VNetworkAdapter -Network nat
            $g | Connect-VNetworkAdapter -Network priv
            @($g | Get-VNetworkAdapter).Name | Should -Be @('eth0', 'eth1')
            @(Get-VNetworkAdapter -Network nat).GuestName | Should -Be @('db', 'web')
            @(Get-VNetworkAdapter -Guest w* -Network priv).Network.Name | Should -Be @('priv')
        }

        It 'rejects <Case> with <Id> and connects nothing' -ForEach @(
            @{ Case = 'an unknown network'; Network = 'nope'; Mac = $null; Id = 'NetworkNotFound' }
            @{ Case = 'a duplicate MAC'; Network = 'lan'; Mac = '02:00:00:00:00:01'; Id = 'DuplicateMacAddress' }
            @{ Case = 'a group MAC'; Network = 'lan'; Mac = '01:00:5e:00:00:01'; Id = 'InvalidMacAddress' }
            @{ Case = 'a malformed MAC'; Network = 'lan'; Mac = '02:00:zz'; Id = 'InvalidMacAddress' }
        ) {
            New-VNetwork -Name lan -Mode Nat | Out-Null
            New-VGuest -Name first | Connect-VNetworkAdapter -Network lan -MacAddress 02:00:00:00:00:01
            $p = @{ Guest = (New-VGuest -Name second); Network = $Network }
            if ($Mac) { $p.MacAddress = $Mac }
            Connect-VNetworkAdapter @p -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
            @(Get-VNetworkAdapter).GuestName | Should -Be @('first')
            (Get-VNetwork lan).Adapters.Count | Should -Be 1
        }

        It 'disconnects a removed guest''s adapters, so a new guest of that name starts unplugged' {
            New-VNetwork -Name lan -Mode Nat | Out-Null
            New-VGuest -Name web | Connect-VNetworkAdapter -Network lan
            Remove-VGuest -Name web
            @(Get-VNetworkAdapter) | Should -HaveCount 0
            (Get-VNetwork lan).Adapters.Count | Should -Be 0
            New-VGuest -Name web | Out-Null
            Test-VConnection -From web -To host -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'EndpointNotFound,*'
        }

        It 'fails binding for an unknown guest with GuestNotFound inside' {
            New-VNetwork -Name lan -Mode Nat | Out-Null
            { Connect-VNetworkAdapter -Guest ghost -Network lan -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,*'
            @(Get-VNetworkAdapter) | Should -HaveCount 0
        }

        It 'disconnects by guest and network, by pipeline, and reports AdapterNotFound' {
            New-VNetwork -Name lan -Mode Nat | Out-Null
            'a', 'b' | New-VGuest | Connect-VNetworkAdapter -Network lan
            (Disconnect-VNetworkAdapter -Guest a -Network lan -PassThru).GuestName | Should -Be 'a'
            Get-VNetworkAdapter -Guest b | Disconnect-VNetworkAdapter -WhatIf
            @(Get-VNetworkAdapter) | Should -HaveCount 1
            Get-VNetworkAdapter -Guest b | Disconnect-VNetworkAdapter
            @(Get-VNetworkAdapter) | Should -HaveCount 0
            Disconnect-VNetworkAdapter -Guest a -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'AdapterNotFound,*'
        }
    }

    Describe 'Get-VReachability in <_> mode' -ForEach 'Bridge', 'Isolated', 'HostOnly', 'Routed', 'Nat' {
        It 'matches the definition of the mode in every cell, both ways' {
            New-Topology -Mode $_
            Assert-Matrix -Cells @(Get-VReachability -Network net) -Expected $Matrices[$_]
        }
    }

    Describe 'Routed networks and Add-VRoute' {
        It 'are reachable from the LAN and the internet only after a static route on the gateway' {
            New-Topology -Mode Routed
            Assert-Matrix -Cells @(Get-VReachability -Network net) -Expected $Matrices.Routed
            $route = Add-VRoute -Node gateway -Destination 192.168.56.0/24 -Gateway 192.168.1.10 -PassThru
            "$($route.Destination)" | Should -Be '192.168.56.0/24'
            Assert-Matrix -Cells @(Get-VReachability -Network net) -Expected $Matrices.RoutedWithRoute
            Remove-VRoute -Node gateway -Destination 192.168.56.0/24
            Assert-Matrix -Cells @(Get-VReachability -Network net) -Expected $Matrices.Routed
            Remove-VRoute -Node gateway -Destination 192.168.56.0/24 -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'RouteNotFound,*'
        }

        It 'rejects <Case> with <Id>' -ForEach @(
            @{ Case = 'a malformed destination'; Node = 'gateway'; Dest = '10.1.0.0/99'; Via = '192.168.1.10'; Id = 'InvalidCidr' }
            @{ Case = 'an unreachable next hop'; Node = 'lanhost1'; Dest = '10.1.0.0/16'; Via = '10.9.9.9'; Id = 'GatewayUnreachable' }
            @{ Case = 'an unknown node'; Node = 'nobody'; Dest = '10.1.0.0/16'; Via = '192.168.1.10'; Id = 'EndpointNotFound' }
        ) {
            Add-VRoute -Node $Node -Destination $Dest -Gateway $Via -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        }
    }

    Describe 'Set-VNetwork changes the matrix without recreating guests' {
        It 'walks one network through every mode' {
            New-Topology -Mode Isolated
            $guests = @(Get-VGuest a, b)
            $macs = @(Get-VNetworkAdapter -Network net | ForEach-Object { "$($_.MacAddress)" })
            foreach ($mode in 'Isolated', 'HostOnly', 'Nat', 'Bridge', 'Routed') {
                Set-VNetwork -Name net -Mode $mode
                Assert-Matrix -Cells @(Get-VReachability -Network net) -Expected $Matrices[$mode]
                [object]::ReferenceEquals((Get-VGuest a), $guests[0]) | Should -BeTrue
                [object]::ReferenceEquals((Get-VGuest b), $guests[1]) | Should -BeTrue
                @(Get-VNetworkAdapter -Network net | ForEach-Object { "$($_.MacAddress)" }) | Should -Be $macs
            }
            "$((Get-VNetworkAdapter -Guest a).IPAddress)" | Should -Be '192.168.56.101'
            Set-VNetwork -Name net -Mode Bridge
            "$((Get-VNetworkAdapter -Guest a).IPAddress)" | Should -BeLike '192.168.1.*'
        }
    }

    Describe 'Test-VConnection' {
        BeforeEach {
            New-VNetwork -Name lan -Mode Nat | Out-Null
            New-VGuest -Name web | Connect-VNetworkAdapter -Network lan
        }

        It 'pings the internet from a NAT guest; the internet host sees the host''s address' {
            $r = Test-VConnection -From web -To 203.0.113.10
            $r.Success | Should -BeTrue
            $r.Status | Should -Be 'Reply'
            "$($r.ReplySource)" | Should -Be '203.0.113.10'
            $r.RoundTripMicroseconds | Should -BeGreaterThan 20000 -Because 'two internet crossings of 10 ms each way'
            ($r.Path | Where-Object Device -eq 'internet').Action -join "`n" | Should -Match 'reply to 192\.168\.1\.10'
            ($r.Path | Where-Object Device -eq 'host').Action -join "`n" | Should -Match 'NAT 10\.0\.2\.15'
        }

        It 'takes guest objects and works with <Protocol>' -ForEach @(@{ Protocol = 'Icmp' }, @{ Protocol = 'Udp' }, @{ Protocol = 'Tcp' }) {
            $r = Test-VConnection -From (Get-VGuest web) -To internet -Protocol $Protocol
            $r.Success | Should -BeTrue
            $r.Protocol | Should -Be $Protocol
        }

        It 'lets the internet host not open a connection back' {
            (Test-VConnection -From 203.0.113.10 -To web -Protocol Tcp).Success | Should -BeFalse
            (Test-VConnection -From 203.0.113.10 -To host -Protocol Tcp -Port 8080).Success | Should -BeFalse
        }

        It 'answers a TTL that reaches zero with ICMP time exceeded' {
            $r = Test-VConnection -From web -To 203.0.113.10 -Ttl 2
            $r.Success | Should -BeFalse
            $r.Status | Should -Be 'TimeExceeded'
        }

        It 'reports EndpointNotFound for an unknown endpoint' {
            Test-VConnection -From nowhere -To host -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'EndpointNotFound,*'
        }
    }

    Describe 'Add-VPortForward and Get-VNatSession' {
        BeforeEach {
            New-VNetwork -Name lan -Mode Nat | Out-Null
            New-VGuest -Name web | Connect-VNetworkAdapter -Network lan
        }

        It 'opens a guest to the outside only through the forward' {
            (Test-VConnection -From lanhost1 -To host -Protocol Tcp -Port 8080).Success | Should -BeFalse
            $pf = Add-VPortForward -Network lan -Protocol Tcp -HostPort 8080 -Guest web -GuestPort 80 -PassThru
            $pf.HostPort | Should -Be 8080
            $pf.Guest | Should -Be 'web'
            $r = Test-VConnection -From lanhost1 -To host -Protocol Tcp -Port 8080
            $r.Success | Should -BeTrue
            }

        It 'rejects <Case> with <Id> and adds no rule' -ForEach @(
            @{ Case = 'a host port already forwarded'; Net = 'lan'; Guest = 'web'; Id = 'PortForwardExists' }
            @{ Case = 'an unknown network'; Net = 'nope'; Guest = 'web'; Id = 'NetworkNotFound' }
            @{ Case = 'a network not in Nat mode'; Net = 'iso'; Guest = 'web'; Id = 'NotNatNetwork' }
            @{ Case = 'a guest without an adapter there'; Net = 'lan'; Guest = 'stranger'; Id = 'GuestNotFound' }
        ) {
            New-VNetwork -Name iso -Mode Isolated | Out-Null
            Add-VPortForward -Network lan -Protocol Tcp -HostPort 2222 -Guest web -GuestPort 22
            Add-VPortForward -Network $Net -Protocol Tcp -HostPort 2222 -Guest $Guest -GuestPort 22 -ErrorVariable err -ErrorAction SilentlyContinue
            if ($Id -ne 'PortForwardExists') { Add-VPortForward -Network $Net -Protocol Tcp -HostPort 2223 -Guest $Guest -GuestPort 22 -ErrorVariable err -ErrorAction SilentlyContinue }
            $err[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
            (Test-VConnection -From lanhost1 -To host -Protocol Tcp -Port 2223).Success | Should -BeFalse
        }

        It 'keeps port forwards across a mode change and back to Nat, and drops sessions' {
            Add-VPortForward -Network lan -Protocol Tcp -HostPort 8080 -Guest web -GuestPort 80
            Test-VConnection -From web -To 203.0.113.10 | Out-Null
            @(Get-VNatSession -Network lan).Count | Should -BeGreaterThan 0
            Set-VNetwork -Name lan -Mode HostOnly
            @(Get-VNatSession -Network lan) | Should -HaveCount 0
            (Test-VConnection -From lanhost1 -To host -Protocol Tcp -Port 8080).Success | Should -BeFalse
            Set-VNetwork -Name lan -Mode Nat
            (Test-VConnection -From lanhost1 -To host -Protocol Tcp -Port 8080).Success | Should -BeTrue
        }

        It 'lists the translation table' {
            Test-VConnection -From web -To 203.0.113.10 | Out-Null
            Test-VConnection -From web -To 203.0.113.10 -Protocol Tcp | Out-Null
            $s = @(Get-VNatSession -Network lan)
            @($s.Protocol | Sort-Object -Unique) | Should -Be @('Icmp', 'Tcp')
            foreach ($x in $s) {
                "$($x.InsideAddress)" | Should -Be '10.0.2.15'
                "$($x.OutsideAddress)" | Should -Be '192.168.1.10'
                "$($x.RemoteAddress)" | Should -Be '203.0.113.10'
            }
            @(Get-VNatSession) | Should -HaveCount $s.Count
        }
    }

    Describe 'Captures' {
        BeforeEach {
            New-VNetwork -Name lan -Mode Nat | Out-Null
            New-VGuest -Name web | Connect-VNetworkAdapter -Network lan
        }

        It 'starts, stops and exports a pcap with the libpcap header' {
            (Start-VCapture -Network lan -PassThru).FrameCount | Should -Be 0
            Test-VConnection -From web -To host | Out-Null
            $c = Stop-VCapture -Network lan -PassThru
            $c.Running | Should -BeFalse
            $c.FrameCount | Should -BeGreaterThan 0
            Test-VConnection -From web -To host | Out-Null
            $path = Join-Path $TestDrive 'lan.pcap'
            Export-VCapture -Network lan -Path $path | Should -BeNullOrEmpty
            $bytes = [IO.File]::ReadAllBytes($path)
            [BitConverter]::ToUInt32($bytes, 0) | Should -Be 2712847316 -Because 'the libpcap magic 0xa1b2c3d4, microsecond timestamps'
            [BitConverter]::ToUInt32($bytes, 20) | Should -Be 1 -Because 'link type Ethernet'
            $frames = 0; $off = 24
            while ($off -lt $bytes.Length) { $off += 16 + [BitConverter]::ToUInt32($bytes, $off + 8); $frames++ }
            $frames | Should -Be $c.FrameCount -Because 'frames after Stop-VCapture are not recorded'
        }

        It 'exports an adapter''s port and reports AmbiguousCapture for several networks' {
            $path = Join-Path $TestDrive 'web.pcap'
            Get-VNetworkAdapter -Guest web | Export-VCapture -Path $path
            (Get-Item $path).Length | Should -BeGreaterThan 24
            New-VNetwork -Name lan2 -Mode Nat | Out-Null
            Export-VCapture -Network lan* -Path $path -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'AmbiguousCapture,*'
        }

        It 'opens a NAT capture in tshark with good checksums, original addresses inside and translated outside' {
            if (-not (Get-Command tshark -ErrorAction Ignore)) { Set-ItResult -Skipped -Because 'tshark is not installed'; return }
            Start-VCapture -Network lan; Start-VCapture -Segment Lan
            Test-VConnection -From web -To 203.0.113.10 -Protocol Udp | Out-Null
            $inside = Join-Path $TestDrive 'inside.pcap'; $outside = Join-Path $TestDrive 'outside.pcap'
            Export-VCapture -Network lan -Path $inside
            Export-VCapture -Segment Lan -Path $outside
            $fields = '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ip.checksum.status', '-e', 'udp.checksum.status', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-Y', 'udp.port == 7'
            $in = @(& tshark -r $inside @fields 2>$null)
            $out = @(& tshark -r $outside @fields 2>$null)
            $LASTEXITCODE | Should -Be 0
            $in | Should -HaveCount 2
            $out | Should -HaveCount 2
            $in[0] | Should -Match '^10\.0\.2\.15\t203\.0\.113\.10\t1\t1$'
            $in[1] | Should -Match '^203\.0\.113\.10\t10\.0\.2\.15\t1\t1$'
            $out[0] | Should -Match '^192\.168\.1\.10\t203\.0\.113\.10\t1\t1$'
            $out[1] | Should -Match '^203\.0\.113\.10\t192\.168\.1\.10\t1\t1$'
        }
    }

    Describe 'Send-VPacket' {
        BeforeEach {
            New-VNetwork -Name lan -Mode Nat | Out-Null
            New-VGuest -Name web | Connect-VNetworkAdapter -Network lan
        }

        It 'sends a UDP datagram that is translated and echoed' {
            $hops = @(Send-VPacket -From web -To 203.0.113.10 -Port 7 -Data 'hello')
            $hops.Count | Should -BeGreaterThan 3
            ($hops.Action -join "`n") | Should -Match 'NAT 10\.0\.2\.15'
        }

        It 'refuses a frame shorter than an Ethernet header with FrameTooShort and sends nothing' {
            Start-VCapture -Network lan
            Send-VPacket -From web -Frame ([byte[]](1..13)) -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'FrameTooShort,*'
            (Stop-VCapture -Network lan -PassThru).FrameCount | Should -Be 0
        }

        It 'sends a raw frame as given; the switch floods a broadcast' {
            New-VGuest -Name db | Connect-VNetworkAdapter -Network lan
            $frame = [byte[]](@(0xff) * 6 + @(2, 0, 0, 0, 0, 9) + @(0x88, 0xb5) + @(0) * 46)
            Start-VCapture -Network lan
            $hops = @(Send-VPacket -From web -Frame $frame)
            ($hops.Action -join "`n") | Should -Match 'flood'
            (Stop-VCapture -Network lan -PassThru).FrameCount | Should -Be 1
        }

        It 'reports EndpointNotFound for a guest without an adapter' {
            New-VGuest -Name loner | Out-Null
            Send-VPacket -From loner -Frame ([byte[]](1..60)) -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'EndpointNotFound,*'
        }
    }
}
