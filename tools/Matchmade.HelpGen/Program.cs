using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;

namespace Matchmade.HelpGen;

/// <summary>
/// Matchmade.HelpGen --module out/Matchmade/Matchmade.dll --docs docs/help --out DIR
///
/// Loads the built module's cmdlet assembly (its private load context hooked up the way Import-Module does it),
/// reflects every [Cmdlet] class, merges docs/help/Verb-Noun.md for each and writes DIR/Matchmade.dll-Help.xml; writes
/// DIR/about_*.help.txt from docs/help/about_*.md. Exits 1, listing every problem, when a cmdlet has no markdown, a
/// parameter has no description or facts that disagree with the code, the markdown describes a parameter or cmdlet that
/// does not exist, a cmdlet has fewer than two examples, or an example calls a cmdlet with a parameter it lacks.
/// Exits 2 on bad arguments, 3 when it breaks (the module does not load, say). Writes nothing unless everything is right.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        try
        {
            return Run(args);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"Matchmade.HelpGen: error HELPGEN000: {e}");
            return 3;
        }
    }

    private static int Run(string[] args)
    {
        var options = Arguments(args);
        if (options is null)
        {
            Console.Error.WriteLine("usage: Matchmade.HelpGen --module <Matchmade.dll> --docs <docs/help> --out <folder>");
            return 2;
        }

        var (module, docs, output) = options.Value;
        var diagnostics = new Diagnostics();
        var cmdlets = CmdletModel.Load(LoadModule(module));
        var commands = new List<CommandHelp>();
        foreach (var cmdlet in cmdlets)
        {
            var file = Path.Combine(docs, cmdlet.Name + ".md");
            if (!File.Exists(file))
            {
                diagnostics.Error(Display(file), 0, "HELPGEN001", $"{cmdlet.Name} has no help: write {Display(file)}, starting from this:", Checks.Skeleton(cmdlet));
                continue;
            }

            if (CommandDoc.Read(file, Display(file), diagnostics) is { } doc)
            {
                var help = new CommandHelp(cmdlet, doc);
                Checks.Command(help, diagnostics);
                commands.Add(help);
            }
        }

        foreach (var stray in Directory.EnumerateFiles(docs, "*.md").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(stray);
            if (name != "README" && !name.StartsWith("about_", StringComparison.Ordinal) && !cmdlets.Any(c => c.Name == name))
            {
                diagnostics.Error(Display(stray), 0, "HELPGEN002", $"The module has no cmdlet {name} (its cmdlets: {string.Join(", ", cmdlets.Select(c => c.Name))}).");
            }
        }

        var topics = new List<(string Name, string Text)>();
        foreach (var about in Directory.EnumerateFiles(docs, "about_*.md").Order(StringComparer.Ordinal))
        {
            if (AboutTopic.Convert(about, Display(about), cmdlets, diagnostics) is { } text)
            {
                topics.Add((Path.GetFileNameWithoutExtension(about), text));
            }
        }

        if (diagnostics.ErrorCount > 0)
        {
            diagnostics.WriteTo(Console.Error);
            Console.Error.WriteLine($"Matchmade.HelpGen: {diagnostics.ErrorCount} problem(s) in the help (docs/help); nothing written.");
            return 1;
        }

        Directory.CreateDirectory(output);
        MamlWriter.Write(Path.Combine(output, Path.GetFileName(module) + "-Help.xml"), commands);
        foreach (var (name, text) in topics)
        {
            File.WriteAllText(Path.Combine(output, name + ".help.txt"), text, new UTF8Encoding(false));
        }

        Console.WriteLine($"Matchmade help: {commands.Count} cmdlets, {topics.Count} about topic(s) -> {output}");
        return 0;
    }

    private static (string Module, string Docs, string Output)? Arguments(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i]] = Path.GetFullPath(args[i + 1]);
        }

        return args.Length == 6 && values.TryGetValue("--module", out var module) && values.TryGetValue("--docs", out var docs) && values.TryGetValue("--out", out var output)
            && File.Exists(module) && Directory.Exists(docs)
            ? (module, docs, output)
            : null;
    }

    /// <summary>The cmdlet assembly, loaded as Import-Module loads it: its module initializers run first.</summary>
    private static Assembly LoadModule(string path)
    {
        var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
        foreach (var type in assembly.GetExportedTypes().Where(t => !t.IsAbstract && typeof(IModuleAssemblyInitializer).IsAssignableFrom(t)))
        {
            ((IModuleAssemblyInitializer)Activator.CreateInstance(type)!).OnImport();
        }

        return assembly;
    }

    /// <summary>Full paths in messages, as the compiler writes them: MSBuild and editors resolve them from anywhere.</summary>
    private static string Display(string path) => Path.GetFullPath(path);
}
