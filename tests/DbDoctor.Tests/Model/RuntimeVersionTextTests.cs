using DbDoctor.Model;

namespace DbDoctor.Tests.Model;

public class RuntimeVersionTextTests
{
    [Theory]
    [InlineData("8.0.3126.42015", "8.0.31")] // measured: CoreLib of .NET 8.0.31
    [InlineData("9.0.2026.41315", "9.0.20")] // .NET 9.0.20
    [InlineData("10.0.1226.42308", "10.0.12")] // .NET 10.0.12
    [InlineData("10.0.12", "10.0.12")] // already a product version
    public void A_runtime_file_version_reads_as_the_product_version(string fileVersion, string product) =>
        Assert.Equal(product, RuntimeVersionText.FromFileVersion(Version.Parse(fileVersion)));

    [Fact]
    public void CoreLibs_product_version_on_disk_is_what_the_process_calls_its_version()
    {
        Assert.Equal(Environment.Version.ToString(), RuntimeVersionText.ProductVersionOfFile(typeof(object).Assembly.Location));
        Assert.Null(RuntimeVersionText.ProductVersionOfFile("/nonexistent/System.Private.CoreLib.dll"));
    }
}
