using System.Text.Encodings.Web;
using System.Text.Json;

namespace Matchmade.Fixtures;

/// <summary>
/// The keys an edge case sets in a blob (raw JSON; null = leave the key out). The normal writer skips these keys, so a
/// blob never has a key twice (jsonb would keep the last; a JSON parser might not).
/// </summary>
internal static class EdgeOverrides
{
    private static readonly string[] AbsentValues = ["null", "\"\"", "\"   \"", "[]", "{}"];

    public static List<(string Key, string? Raw)>? For(EdgeCase edge, UserPlan u, int position, string contextType)
    {
        var fields = Vocabulary.FieldsOf(contextType);
        var list = new List<(string, string?)>();
        switch (edge)
        {
            case EdgeCase.AbsentForms when position == 0:
                // Every absent form, for shared fields, inside an object and for the context's own fields.
                list.Add(("name", "\"\""));
                list.Add(("location", "null"));
                list.Add(("ageRange", "\"   \""));
                list.Add(("coreValues", "[]"));
                list.Add(("constraints", "[]"));
                list.Add(("beliefs", "{}"));
                list.Add(("interactionStyle", "{}"));
                list.Add(("lifestyle", "{\"diet\": null, \"pets\": \"\", \"schedule\": \"  \"}"));
                for (var i = 0; i < fields.Length; i++)
                {
                    list.Add((fields[i], AbsentValues[i % AbsentValues.Length]));
                }

                break;
            case EdgeCase.AbsentForms:
                // A later context has the values: "first present" skips the absent ones. Its own fields go on through
                // the absent forms (at least 3 per context: two contexts cover all five).
                list.Add(("name", Json(u.Name)));
                list.Add(("location", Json(u.Location)));
                list.Add(("ageRange", Json(u.AgeRange)));
                for (var i = 0; i < fields.Length; i++)
                {
                    list.Add((fields[i], AbsentValues[(3 * position + i) % AbsentValues.Length]));
                }

                break;
            case EdgeCase.ScalarConflict:
                // Contexts 0 and 1 disagree on all three scalars; a third context repeats context 0 (equal: no conflict).
                var other = position == 1;
                list.Add(("name", Json(other ? u.Name + "ie" : u.Name)));
                list.Add(("location", Json(other ? Different(Vocabulary.Cities, u.Location) : u.Location)));
                list.Add(("ageRange", Json(other ? Different(Vocabulary.AgeRanges, u.AgeRange) : u.AgeRange)));
                break;
            case EdgeCase.ObjectKeyConflict:
                list.Add(("beliefs", $"{{\"religion\": {Json(Vocabulary.Religions[(Array.IndexOf(Vocabulary.Religions, u.Religion) + position) % Vocabulary.Religions.Length])}, \"politics\": {Json(u.Politics)}}}"));
                list.Add(("interactionStyle", $"{{\"energy\": {Json(Vocabulary.Energy[(Array.IndexOf(Vocabulary.Energy, u.Energy) + position) % Vocabulary.Energy.Length])}}}"));
                list.Add(("lifestyle", $"{{\"diet\": {Json(u.Diet)}}}"));
                break;
            case EdgeCase.DuplicateArrayElements:
                // Across contexts: the same strings, and objects that are JSON-equal but written differently
                // (key order, 1 vs 1.0); within one context too.
                list.Add(("coreValues", position % 2 == 0
                    ? "[\"honesty\", \"kindness\", {\"a\": 1, \"b\": [true, null]}, [1, 2]]"
                    : "[\"kindness\", {\"b\": [true, null], \"a\": 1.0}, \"loyalty\", \"loyalty\", [1, 2], \"honesty\"]"));
                list.Add(("constraints", position % 2 == 0 ? "[\"non-smoker\", \"remote only\"]" : "[\"remote only\", \"non-smoker\", \"weekends only\"]"));
                break;
            case EdgeCase.WrongTypeShared when position == 0:
                list.Add(("coreValues", "\"honesty\""));
                list.Add(("beliefs", "\"spiritual\""));
                list.Add(("location", "42"));
                list.Add(("constraints", "{\"smoking\": false}"));
                break;
            case EdgeCase.WrongTypeShared:
                list.Add(("ageRange", "[\"30\", \"35\"]"));
                list.Add(("name", "true"));
                list.Add(("lifestyle", "[\"yoga\", \"vegan\"]"));
                list.Add(("interactionStyle", "7"));
                break;
            case EdgeCase.WrongTypeContext:
                string[] wrong = ["5", "{\"nested\": \"object\"}", "true", "[\"a\", \"b\"]", "123456789012345678901234567890"];
                var k = 0;
                foreach (var field in fields)
                {
                    // complementarySkills takes any present JSON value: a plain string is valid there.
                    list.Add((field, field == "complementarySkills" ? "\"sales and marketing\"" : wrong[k++ % wrong.Length]));
                }

                break;
            case EdgeCase.OtherContextsField:
                var next = Vocabulary.FieldsOf(Vocabulary.ContextTypes[(Array.IndexOf(Vocabulary.ContextTypes, contextType) + 1) % Vocabulary.ContextTypes.Length]);
                list.Add((next[0], "\"belongs to another context\""));
                list.Add((next[^1], "\"also elsewhere\""));
                break;
            case EdgeCase.UnmappedKeys when position == 0:
                // The seed's unmapped keys, and some others.
                list.Add(("intent", "\"long-term\""));
                list.Add(("preferences", "[\"hiking\", \"jazz\"]"));
                list.Add(("dealbreakers", "[\"smoking\"]"));
                list.Add(("favourite colour", "\"teal\""));
                list.Add(("onboardingVersion", "2"));
                break;
            case EdgeCase.UnmappedKeys:
                list.Add(("notes", "\"met at the climbing gym\""));
                list.Add(("_legacy", "{\"source\": \"v1 import\", \"flags\": [1, 2]}"));
                break;
            case EdgeCase.BigNumbers:
                list.Add(("coreValues", "[1e400, \"honesty\", 123456789012345678901234567890, -0, 0.1000000000000000000000000000001]"));
                list.Add(("lifestyle", "{\"savingsGoal\": 123456789012345678901234567890, \"tiny\": 1e-400, \"diet\": \"omnivore\"}"));
                list.Add(("luckyNumber", "1E+400"));
                break;
            case EdgeCase.UntrimmedStrings:
                list.Add(("name", Json("  " + u.Name + " ")));
                list.Add(("location", Json(u.Location + "   ")));
                list.Add(("coreValues", "[\" honesty\", \"kindness \"]"));
                list.Add((fields[0], "\"  within a year  \""));
                break;
            case EdgeCase.Unicode:
                // BMP (CJK, Hebrew and Arabic: right to left, combining marks), plane 1 (emoji, ZWJ sequences,
                // mathematical letters) and plane 2 (CJK extension B).
                list.Add(("name", "\"Zoë 🦄 李小龍\""));
                list.Add(("location", "\"תל אביב-יפו\""));
                list.Add(("coreValues", "[\"정직\", \"صدق\", \"𠜎𠜱𠝹\", \"👩‍👩‍👧\"]"));
                list.Add(("beliefs", "{\"religion\": \"שָׁלוֹם\", \"motto\": \"𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☕ e\\u0301\"}"));
                list.Add((fields[0], "\"🌍 مرحبا 你好\""));
                break;
        }

        return list.Count == 0 ? null : list;
    }

    private static string Json(string value) => JsonSerializer.Serialize(value, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Different(string[] from, string value) => from[(Array.IndexOf(from, value) + 1) % from.Length];
}
