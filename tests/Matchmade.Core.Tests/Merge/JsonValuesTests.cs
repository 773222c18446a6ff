using System.Text.Json;
using Matchmade.Core.Json;

namespace Matchmade.Core.Tests.Merge;

public sealed class JsonValuesTests
{
    private static readonly string Ten400 = "1" + new string('0', 400);

    public static TheoryData<string, string> EqualPairs() => new()
    {
        { "1", "1.0" },
        { "1", "1e0" },
        { "1", "10e-1" },
        { "100", "1E2" },
        { "100", "1e+2" },
        { "1e400", "1E+400" },
        { "1e400", Ten400 },
        { "1e400", Ten400 + ".000" },
        { "-1e400", "-" + Ten400 },
        { "1e-400", "0." + new string('0', 399) + "1" },
        { "-0", "0" },
        { "0.0", "-0e10" },
        { "0", "0E-99999999999999999999999" },
        { "1e99999999999999999999999", "10e99999999999999999999998" },
        { "0.10000000000000000000001", "1.0000000000000000000001e-1" },
        { "123456789012345678901234567890", "1.2345678901234567890123456789e29" },
        { "123456789012345678901234567890", "123456789012345678901234567890.000" },
        { "{\"a\":1,\"b\":[1,2]}", "{\"b\":[1,2.0],\"a\":1}" },
        { "{\"a\":{\"x\":[{\"p\":1,\"q\":2}]}}", "{\"a\":{\"x\":[{\"q\":2.0,\"p\":1}]}}" },
        { "\"é\"", "\"\\u00e9\"" },
        { "\"🦄\"", "\"\\ud83e\\udd84\"" },
        { "[]", "[]" },
        { "{}", "{}" },
        { "null", "null" },
        { "true", "true" },
        { "[1, 2]", "[1,2]" },
        { "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9}", "{\"k9\":9,\"k8\":8,\"k7\":7,\"k6\":6,\"k5\":5,\"k4\":4,\"k3\":3,\"k2\":2,\"k1\":1,\"k0\":0.0}" },
    };

    [Theory]
    [MemberData(nameof(EqualPairs))]
    public void Equal_values_and_equal_hashes(string a, string b)
    {
        Assert.True(JsonValues.Equal(a, b));
        Assert.True(JsonValues.Equal(b, a));
        using var da = JsonDocument.Parse(a);
        using var db = JsonDocument.Parse(b);
        Assert.Equal(JsonValues.Hash(da.RootElement), JsonValues.Hash(db.RootElement));
    }

    [Theory]
    [InlineData("1", "1.0000000000000000000000000001")]
    [InlineData("1e400", "1e401")]
    [InlineData("1e400", "-1e400")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567891")]
    [InlineData("0.1", "0.10000000000000000000001")]
    [InlineData("1", "\"1\"")]
    [InlineData("\"a\"", "\"A\"")]
    [InlineData("\"a\"", "\"a \"")]
    [InlineData("true", "false")]
    [InlineData("null", "false")]
    [InlineData("null", "\"\"")]
    [InlineData("[]", "{}")]
    [InlineData("[1,2]", "[2,1]")]
    [InlineData("[1,2]", "[1,2,2]")]
    [InlineData("[[1]]", "[[2]]")]
    [InlineData("{\"a\":1}", "{\"a\":1,\"b\":null}")]
    [InlineData("{\"a\":null}", "{}")]
    [InlineData("{\"a\":1}", "{\"A\":1}")]
    [InlineData("{\"a\":{\"b\":1}}", "{\"a\":{\"b\":\"1\"}}")]
    [InlineData("{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9}", "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"kX\":9}")]
    [InlineData("{\"a\":2,\"a\":2}", "{\"a\":2,\"b\":1}")] // a repeated key (hand-made text only): not the same keys
    [InlineData("{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k8\":8}", "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9}")]
    public void Different_values(string a, string b)
    {
        Assert.False(JsonValues.Equal(a, b));
        Assert.False(JsonValues.Equal(b, a));
    }

    [Theory]
    [InlineData("1", "1e0")]
    [InlineData("1.0", "1e0")]
    [InlineData("123.40", "1234e-1")]
    [InlineData("-1E+3", "-1e3")]
    [InlineData("-0", "0")]
    [InlineData("0.000", "0")]
    [InlineData("1e400", "1e400")]
    [InlineData("0.0012", "12e-4")]
    [InlineData("1200", "12e2")]
    [InlineData("1e99999999999999999999", "1e99999999999999999999")]
    public void Numbers_have_one_canonical_form(string literal, string canonical) => Assert.Equal(canonical, JsonValues.CanonicalNumber(literal));

    [Theory]
    [InlineData("null", false)]
    [InlineData("\"\"", false)]
    [InlineData("\"  \\t\\n \"", false)]
    [InlineData("\"\\u00a0\\u2003\"", false)]
    [InlineData("[]", false)]
    [InlineData("{}", false)]
    [InlineData("[ ]", false)]
    [InlineData("0", true)]
    [InlineData("false", true)]
    [InlineData("\" x \"", true)]
    [InlineData("\"\\u200b\"", true)]
    [InlineData("[null]", true)]
    [InlineData("[\"\"]", true)]
    [InlineData("{\"a\":null}", true)]
    public void Presence(string json, bool present)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Equal(present, JsonValues.IsPresent(document.RootElement));
    }

    [Theory]
    [InlineData("{}", "object")]
    [InlineData("[]", "array")]
    [InlineData("\"\"", "string")]
    [InlineData("1.5", "number")]
    [InlineData("true", "boolean")]
    [InlineData("false", "boolean")]
    [InlineData("null", "null")]
    public void Kinds_have_names(string json, string kind)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Equal(kind, JsonValues.Kind(document.RootElement));
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("", "\"\"")]
    [InlineData("q\"b\\", "\"q\\\"b\\\\\"")]
    [InlineData("a\nb\r\t\b\f", "\"a\\nb\\r\\t\\b\\f\"")]
    [InlineData("\u0001\u001f", "\"\\u0001\\u001f\"")]
    [InlineData("Zoë 🦄 李 <>&'", "\"Zoë 🦄 李 <>&'\"")]
    public void Quote_escapes_only_what_JSON_requires(string text, string expected)
    {
        Assert.Equal(expected, JsonText.Quote(text));
        using var document = JsonDocument.Parse(expected);
        Assert.Equal(JsonValueKind.String, document.RootElement.ValueKind);
    }

    [Fact]
    public void Quote_escapes_unpaired_surrogates()
    {
        // Not theory data: xunit would replace the unpaired surrogates when it serialises the cases.
        Assert.Equal("\"lone \\ud800 high\"", JsonText.Quote("lone \ud800 high"));
        Assert.Equal("\"lone \\udc00\"", JsonText.Quote("lone \udc00"));
        Assert.Equal("\"\\udc00\\ud800\"", JsonText.Quote("\udc00\ud800"));
        Assert.Equal("\"🦄\\ud800\"", JsonText.Quote("\ud83e\udd84\ud800"));
    }

    [Theory]
    [InlineData("1", 0)]
    [InlineData("[]", 1)]
    [InlineData("{\"a\":[{}]}", 3)]
    [InlineData("\"[[[[\"", 0)]
    [InlineData("[\"\\\"[[\"]", 1)]
    [InlineData("{not json [[", 3)]
    public void Nesting_depth_counts_brackets_outside_strings(string text, int depth) => Assert.Equal(depth, JsonText.NestingDepth(text));

    [Theory]
    [InlineData("{\"a\":\"ok 🦄\"}", true)]
    [InlineData("{\"a\":\"\\ud83e\\udd84\"}", true)]
    [InlineData("{\"a\":\"\\ud800\"}", false)]
    [InlineData("{\"\\udc00\":1}", false)]
    [InlineData("{not json", false)]
    public void Strings_that_cannot_be_read_are_found(string json, bool valid) => Assert.Equal(valid, JsonText.HasOnlyValidStrings(json));

    [Fact]
    public void Equality_at_the_depth_limit_needs_no_deep_stack()
    {
        var depth = JsonValues.MaxBlobDepth;
        string Nest(string leaf) => new string('[', depth - 1) + "{\"a\":" + leaf + "}" + new string(']', depth - 1);
        bool? same = null, different = null;
        int hashA = 0, hashB = 1;
        var thread = new Thread(() =>
        {
            same = JsonValues.Equal(Nest("1"), Nest("1.0"));
            different = JsonValues.Equal(Nest("1"), Nest("2"));
            using var a = JsonDocument.Parse(Nest("1"), JsonValues.DocumentOptions);
            using var b = JsonDocument.Parse(Nest("1e0"), JsonValues.DocumentOptions);
            (hashA, hashB) = (JsonValues.Hash(a.RootElement), JsonValues.Hash(b.RootElement));
        }, 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.True(same);
        Assert.False(different);
        Assert.Equal(hashA, hashB);
    }

    [Fact]
    public void Deeper_than_the_limit_is_refused_by_the_options()
    {
        var tooDeep = new string('[', JsonValues.MaxBlobDepth + 1) + new string(']', JsonValues.MaxBlobDepth + 1);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(tooDeep, JsonValues.DocumentOptions));
        Assert.ThrowsAny<JsonException>(() => JsonValues.Equal(tooDeep, tooDeep));
        Assert.Equal(10_000, JsonValues.DocumentOptions.MaxDepth);

        // Documents embedding such values (reports) may nest deeper.
        Assert.Equal(100_000, JsonValues.ReaderOptions.MaxDepth);
        Assert.Equal(100_000, JsonValues.WriterOptions.MaxDepth);
    }

    [Theory]
    [InlineData("{\"a\": [1, 2.50, \"x\\u00e9\\n\"], \"b\": {\"c\": null}, \"d\": \"\u00e9\u4e2d\ud83d\ude00\", \"e\": 1e400}")]
    [InlineData("[\"\\ud800 lone escaped\", true, false, -0, {}, []]")]
    public void AppendRaw_appends_exactly_the_raw_text(string json)
    {
        using var document = JsonDocument.Parse(json);
        var values = new List<JsonElement> { document.RootElement };
        values.AddRange(document.RootElement.ValueKind == JsonValueKind.Object
            ? document.RootElement.EnumerateObject().Select(p => p.Value)
            : document.RootElement.EnumerateArray());
        foreach (var value in values)
        {
            Assert.Equal("<" + value.GetRawText(), JsonText.AppendRaw(new System.Text.StringBuilder("<"), value).ToString());
        }

        var big = new string('x', 100_000);
        using var large = JsonDocument.Parse($"[\"{big}\"]");
        Assert.Equal($"\"{big}\"", JsonText.AppendRaw(new System.Text.StringBuilder(), large.RootElement[0]).ToString());
    }
}
