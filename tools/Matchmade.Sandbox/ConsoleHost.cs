using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace Matchmade.Sandbox;

/// <summary>
/// The smallest useful PowerShell host: formatted output (the module's views), errors, warnings, verbose text and a
/// one-line progress display on the console, and prompts for -Confirm.
/// </summary>
internal sealed class ConsoleHost : PSHost
{
    private readonly ConsoleUI ui = new();

    public override string Name => "Matchmade.Sandbox";
    public override Version Version => new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => ui;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    /// <summary>The script's `exit N`; null when it did not call exit.</summary>
    public int? ExitCode { get; private set; }

    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }

    private sealed class ConsoleUI : PSHostUserInterface
    {
        private readonly RawUI raw = new();
        private bool progressShown;

        public override PSHostRawUserInterface RawUI => raw;

        public override void Write(string value) => Out(() => Console.Write(Plain(value)));
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);
        public override void WriteLine(string value) => Out(() => Console.WriteLine(Plain(value)));
        public override void WriteErrorLine(string value) => Out(() => Console.Error.WriteLine(value));
        public override void WriteDebugLine(string message) => Out(() => Console.WriteLine("DEBUG: " + message));
        public override void WriteVerboseLine(string message) => Out(() => Console.WriteLine("VERBOSE: " + message));
        public override void WriteWarningLine(string message) => Out(() => Console.WriteLine("WARNING: " + message));

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
            if (Console.IsOutputRedirected)
            {
                return; // logs stay readable; verbose lines carry the same figures
            }

            var line = record.RecordType == ProgressRecordType.Completed ? string.Empty : $"{record.Activity}: {record.StatusDescription}";
            var width = Math.Max(20, Console.WindowWidth - 1);
            Console.Write("\r" + (line.Length > width ? line[..width] : line.PadRight(width)));
            progressShown = record.RecordType != ProgressRecordType.Completed;
            if (!progressShown)
            {
                Console.Write('\r');
            }
        }

        public override string ReadLine() => Console.ReadLine() ?? string.Empty;

        public override SecureString ReadLineAsSecureString()
        {
            var secure = new SecureString();
            foreach (var c in ReadLine())
            {
                secure.AppendChar(c);
            }

            return secure;
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
        {
            WriteLine(caption);
            WriteLine(message);
            var answers = new Dictionary<string, PSObject>();
            foreach (var field in descriptions)
            {
                Write(field.Name + ": ");
                answers[field.Name] = PSObject.AsPSObject(ReadLine());
            }

            return answers;
        }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            WriteLine(caption);
            WriteLine(message);
            var labels = choices.Select(c => c.Label.Replace("&", string.Empty, StringComparison.Ordinal)).ToArray();
            Write($"[{string.Join("] [", labels)}] (default {labels[Math.Max(0, defaultChoice)]}): ");
            if (Console.IsInputRedirected && Console.In.Peek() < 0)
            {
                WriteLine(string.Empty);
                return defaultChoice;
            }

            var answer = ReadLine().Trim();
            for (var i = 0; i < choices.Count; i++)
            {
                var label = choices[i].Label;
                var hotkey = label.IndexOf('&', StringComparison.Ordinal) is var at and >= 0 && at + 1 < label.Length ? label[at + 1].ToString() : null;
                if (answer.Equals(labels[i], StringComparison.OrdinalIgnoreCase) || (hotkey is not null && answer.Equals(hotkey, StringComparison.OrdinalIgnoreCase)))
                {
                    return i;
                }
            }

            return defaultChoice;
        }

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            PromptForCredential(caption, message, userName, targetName, PSCredentialTypes.Default, PSCredentialUIOptions.Default);

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options)
        {
            WriteLine(message);
            if (string.IsNullOrEmpty(userName))
            {
                Write("User: ");
                userName = ReadLine();
            }

            Write("Password: ");
            return new PSCredential(userName, ReadLineAsSecureString());
        }

        private static readonly System.Text.RegularExpressions.Regex Ansi = new("\u001b\\[[0-9;]*m", System.Text.RegularExpressions.RegexOptions.Compiled);

        /// <summary>Logs and pipes get plain text: the hosted engine styles table headers whatever $PSStyle says.</summary>
        private static string Plain(string text) => Console.IsOutputRedirected ? Ansi.Replace(text, string.Empty) : text;

        private void Out(Action write)
        {
            if (progressShown && !Console.IsOutputRedirected)
            {
                Console.Write("\r" + new string(' ', Math.Max(20, Console.WindowWidth - 1)) + "\r");
                progressShown = false;
            }

            write();
        }
    }

    private sealed class RawUI : PSHostRawUserInterface
    {
        private static int Width => Console.IsOutputRedirected ? 150 : Math.Max(80, Console.WindowWidth);

        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
        public override Coordinates CursorPosition { get; set; }
        public override Coordinates WindowPosition { get; set; }
        public override int CursorSize { get; set; }
        public override Size BufferSize { get => new(Width, 9999); set { } }
        public override Size WindowSize { get => new(Width, 50); set { } }
        public override Size MaxWindowSize => new(Width, 50);
        public override Size MaxPhysicalWindowSize => new(Width, 50);
        public override bool KeyAvailable => false;
        public override string WindowTitle { get; set; } = "Matchmade";

        public override void FlushInputBuffer() { }
        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();
        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) => throw new NotSupportedException();
        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new NotSupportedException();
        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new NotSupportedException();
    }
}
