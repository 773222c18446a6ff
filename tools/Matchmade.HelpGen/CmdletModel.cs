using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Reflection;

namespace Matchmade.HelpGen;

/// <summary>One [Parameter] attribute of a parameter: its set and how it binds there.</summary>
internal sealed record ParameterBinding(string SetName, bool Mandatory, int Position, bool ByValue, bool ByPropertyName);

/// <summary>A cmdlet parameter as PowerShell binds it, read from the cmdlet class.</summary>
internal sealed class CmdletParameter
{
    public required string Name { get; init; }
    public required Type Type { get; init; }
    public required IReadOnlyList<ParameterBinding> Bindings { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];
    public IReadOnlyList<string>? AcceptedValues { get; init; }
    public string? Range { get; init; }
    public bool Globbing { get; init; }

    /// <summary>The value of the property on a fresh instance, formatted; null when it is the type's default (nothing set).</summary>
    public string? Default { get; init; }

    /// <summary>-WhatIf and -Confirm: PowerShell adds them; their markdown is optional.</summary>
    public bool IsShouldProcess { get; init; }

    public bool IsSwitch => Type == typeof(SwitchParameter);

    public bool InAllSets => Bindings.Any(b => b.SetName == ParameterAttribute.AllParameterSets);

    public IEnumerable<ParameterBinding> In(string set) => Bindings.Where(b => b.SetName == set || b.SetName == ParameterAttribute.AllParameterSets).Take(1);

    /// <summary>Short type name as Get-Help and platyPS show it: String[], Int32, SwitchParameter, ReportKind[].</summary>
    public string TypeName => ShortName(Type);

    public string FullTypeName => (Nullable.GetUnderlyingType(Type) ?? Type).FullName ?? Type.Name;

    public string SetsText(IReadOnlyList<string> allSets) => InAllSets || allSets.Count <= 1 ? "(All)" : string.Join(", ", Bindings.Select(b => b.SetName));

    public string RequiredText => Summarize(b => b.Mandatory ? "True" : "False");

    public string PositionText => Summarize(b => b.Position < 0 ? "Named" : b.Position.ToString(CultureInfo.InvariantCulture));

    public string PipelineText => Summarize(b => (b.ByValue, b.ByPropertyName) switch
    {
        (true, true) => "True (ByValue, ByPropertyName)",
        (true, false) => "True (ByValue)",
        (false, true) => "True (ByPropertyName)",
        _ => "False",
    });

    public bool AcceptsPipelineInput => Bindings.Any(b => b.ByValue || b.ByPropertyName);

    /// <summary>One value when every set agrees, else "value (Set), value (Set)".</summary>
    private string Summarize(Func<ParameterBinding, string> text)
    {
        var values = Bindings.Select(b => (Set: b.SetName, Text: text(b))).ToList();
        return values.Select(v => v.Text).Distinct(StringComparer.Ordinal).Count() == 1
            ? values[0].Text
            : string.Join(", ", values.Select(v => $"{v.Text} ({v.Set})"));
    }

    public static string ShortName(Type type)
    {
        if (type.IsArray)
        {
            return ShortName(type.GetElementType()!) + "[]";
        }

        return Nullable.GetUnderlyingType(type) is { } inner ? ShortName(inner) : type.Name;
    }
}

/// <summary>A cmdlet of the built module, by reflection over its class (as PowerShell's binder sees it).</summary>
internal sealed class CmdletModel
{
    public required string Name { get; init; }
    public required string Verb { get; init; }
    public required string Noun { get; init; }
    public required Type Type { get; init; }
    public required IReadOnlyList<CmdletParameter> Parameters { get; init; }

    /// <summary>The parameter sets, the default one first ("__AllParameterSets" when the cmdlet has none).</summary>
    public required IReadOnlyList<string> ParameterSets { get; init; }
    public required IReadOnlyList<string> OutputTypes { get; init; }
    public bool SupportsShouldProcess { get; init; }

    public CmdletParameter? Find(string name) => Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every [Cmdlet] class of the assembly, by name.</summary>
    public static IReadOnlyList<CmdletModel> Load(Assembly assembly) =>
        [.. assembly.GetExportedTypes()
            .Where(t => !t.IsAbstract && t.GetCustomAttribute<CmdletAttribute>() is not null)
            .Select(From)
            .OrderBy(c => c.Name, StringComparer.Ordinal)];

    private static CmdletModel From(Type type)
    {
        var cmdlet = type.GetCustomAttribute<CmdletAttribute>()!;
        var instance = Activator.CreateInstance(type);
        try
        {
            var parameters = DeclaredFirst(type)
                .Select(p => (Property: p, Attributes: p.GetCustomAttributes<ParameterAttribute>().ToList()))
                .Where(p => p.Attributes.Count > 0)
                .Select(p => Parameter(p.Property, p.Attributes, instance))
                .ToList();

            // Positional parameters first, by position, as PowerShell lists them; then the rest in declaration order.
            parameters = [.. parameters.OrderBy(p => p.Bindings.Min(b => b.Position < 0 ? int.MaxValue : b.Position))];
            if (cmdlet.SupportsShouldProcess)
            {
                parameters.Add(ShouldProcess("WhatIf", "wi"));
                parameters.Add(ShouldProcess("Confirm", "cf"));
            }

            var named = parameters.SelectMany(p => p.Bindings).Select(b => b.SetName)
                .Where(s => s != ParameterAttribute.AllParameterSets).Distinct(StringComparer.Ordinal).ToList();
            if (cmdlet.DefaultParameterSetName is { Length: > 0 } defaultSet && named.Remove(defaultSet))
            {
                named.Insert(0, defaultSet);
            }

            return new CmdletModel
            {
                Name = $"{cmdlet.VerbName}-{cmdlet.NounName}",
                Verb = cmdlet.VerbName,
                Noun = cmdlet.NounName,
                Type = type,
                Parameters = parameters,
                ParameterSets = named.Count > 0 ? named : [ParameterAttribute.AllParameterSets],
                OutputTypes = [.. type.GetCustomAttributes<OutputTypeAttribute>().SelectMany(o => o.Type).Select(t => t.Type?.FullName ?? t.Name)],
                SupportsShouldProcess = cmdlet.SupportsShouldProcess,
            };
        }
        finally
        {
            (instance as IDisposable)?.Dispose();
        }
    }

    /// <summary>The cmdlet's own properties first, then its base classes', each in declaration order.</summary>
    private static IEnumerable<PropertyInfo> DeclaredFirst(Type type)
    {
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (var property in t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).OrderBy(p => p.MetadataToken))
            {
                yield return property;
            }
        }
    }

    private static CmdletParameter Parameter(PropertyInfo property, List<ParameterAttribute> attributes, object? instance)
    {
        var range = property.GetCustomAttribute<ValidateRangeAttribute>();
        var set = property.GetCustomAttribute<ValidateSetAttribute>();
        var element = property.PropertyType.IsArray ? property.PropertyType.GetElementType()! : property.PropertyType;
        element = Nullable.GetUnderlyingType(element) ?? element;
        return new CmdletParameter
        {
            Name = property.Name,
            Type = property.PropertyType,
            Bindings = [.. attributes.Select(a => new ParameterBinding(a.ParameterSetName, a.Mandatory, a.Position, a.ValueFromPipeline, a.ValueFromPipelineByPropertyName))],
            Aliases = [.. property.GetCustomAttributes<AliasAttribute>().SelectMany(a => a.AliasNames)],
            AcceptedValues = set is not null ? [.. set.ValidValues] : element.IsEnum ? Enum.GetNames(element) : null,
            Range = range is null ? null : RangeText(range),
            Globbing = property.GetCustomAttribute<SupportsWildcardsAttribute>() is not null,
            Default = Format(property.GetValue(instance)),
        };
    }

    private static CmdletParameter ShouldProcess(string name, string alias) => new()
    {
        Name = name,
        Type = typeof(SwitchParameter),
        Bindings = [new ParameterBinding(ParameterAttribute.AllParameterSets, false, int.MinValue, false, false)],
        Aliases = [alias],
        IsShouldProcess = true,
    };

    private static string RangeText(ValidateRangeAttribute range)
    {
        if (range.MinRange is null)
        {
            // [ValidateRange(ValidateRangeKind.Positive)] and the like keep their kind private.
            return typeof(ValidateRangeAttribute).GetField("_rangeKind", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(range)?.ToString() ?? "restricted";
        }

        var min = Convert.ToString(range.MinRange, CultureInfo.InvariantCulture);
        return Equals(range.MaxRange, int.MaxValue) || Equals(range.MaxRange, long.MaxValue)
            ? $"{min} or more"
            : $"{min} to {Convert.ToString(range.MaxRange, CultureInfo.InvariantCulture)}";
    }

    /// <summary>A set value as text; null for nothing set (null, false, 0, empty Guid, empty array).</summary>
    private static string? Format(object? value) => value switch
    {
        null => null,
        SwitchParameter s => s.IsPresent ? "True" : null,
        bool b => b ? "True" : null,
        string s => s,
        Guid g => g == Guid.Empty ? null : g.ToString(),
        Enum e => e.ToString(),
        IEnumerable list => list.Cast<object?>().Select(Format).ToList() is { Count: > 0 } items ? string.Join(", ", items) : null,
        IConvertible c when Convert.ToDecimal(c, CultureInfo.InvariantCulture) == 0 => null,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
