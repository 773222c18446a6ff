using System.Text.Json;
using Matchmade.Core.Json;

namespace Matchmade.Core.Tests.Merge;

public sealed class JsonValuesTests
{
    [Theory]
    [InlineData("1", "1.0")]
    [InlineData("1", "1e0")]
    [InlineData("100", "1E2")]
    [InlineData("1e400", "1E+400")]
    [InlineData("-0", "0")]
    [InlineData("0.0", "-0e10")]
    [InlineData("0.10000000000000000000001", "1.0000000000000000000001e-1")]
    [InlineData("123456789012345678901234567890", "1.2345678901234567890123456789e29")]
    [InlineData("{\"a\":1,\"b\":[1,2]}", "{\"b\":[1,2.0],\"a\":1}")]
    [InlineData("\"é\"", "\"\\u00e9\"")]
    [InlineData("[]", "[]")]
    [InlineData("null", "null")]
    public void Equal_values(string a, string b)
    {
        Assert.True(JsonValues.Equal(a, b));
        using var da = JsonDocument.Parse(a);
        using var db = JsonDocument.Parse(b);
        Assert.Equal(JsonValues.ShallowHash(da.RootElement), JsonValues.ShallowHash(db.RootElement));
    }

    [Theory]
    [InlineData("1", "1.0000000000000000000000000001")]
    [InlineData("1e400", "1e401")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567891")]
    [InlineData("\"a\"", "\"A\"")]
    [InlineData("\"1\"", "1")]
    [InlineData("true", "false")]
    [InlineData("[1,2]", "[2,1]")]
    [InlineData("{\"a\":1}", "{\"a\":1,\"b\":null}")]
    [InlineData("{\"a\":null}", "{}")]
    [InlineData("null", "\"\"")]
    public void Different_values(string a, string b) => Assert.False(JsonValues.Equal(a, b));

    [Theory]
    [InlineData("null", false)]
    [InlineData("\"\"", false)]
    [InlineData("\"  \\t\\n \"", false)]
    [InlineData("[]", false)]
    [InlineData("{}", false)]
    [InlineData("0", true)]
    [InlineData("false", true)]
    [InlineData("\" x \"", true)]
    [InlineData("[null]", true)]
    [InlineData("{\"a\":null}", true)]
    public void Presence(string json, bool present)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Equal(present, JsonValues.IsPresent(document.RootElement));
    }
}
