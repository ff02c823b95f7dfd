using DbDoctor.Telemetry;

namespace DbDoctor.Tests.Telemetry;

public class ProcessOwnerTests
{
    [Fact]
    public void The_effective_ids_are_read_from_a_proc_status_file()
    {
        const string Status = "Name:\tdotnet\nUmask:\t0022\nUid:\t999\t998\t997\t996\nGid:\t995\t994\t993\t992\nGroups:\t995\n";

        Assert.Equal(new ProcessOwner(998, 994), ProcessOwner.Parse(Status));
        Assert.Null(ProcessOwner.Parse("Name:\tdotnet\n"));
        Assert.Null(ProcessOwner.Parse(null));
    }

    [Fact]
    public void Our_own_owner_is_known_on_linux()
    {
        var self = ProcessOwner.Current();
        Assert.NotNull(self);
        Assert.Equal(Environment.UserName == "root", self.IsRoot);
    }

    [Fact]
    public void A_targets_TMPDIR_is_read_from_its_environ_block_as_a_folder()
    {
        Assert.Equal("/home/app/tmp/", TargetTempDirectory.TmpDirIn("PATH=/bin\0TMPDIR=/home/app/tmp\0HOME=/home/app\0"));
        Assert.Equal("/var/tmp/", TargetTempDirectory.TmpDirIn("TMPDIR=/var/tmp/\0"));
        Assert.Null(TargetTempDirectory.TmpDirIn("PATH=/bin\0TMPDIR=\0"));
        Assert.Null(TargetTempDirectory.TmpDirIn("PATH=/bin\0"));
    }
}
