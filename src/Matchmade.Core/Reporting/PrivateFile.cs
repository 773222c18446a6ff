namespace Matchmade.Core.Reporting;

/// <summary>
/// Files the module writes hold personal data (reports, backups): created new (never over an existing file) and, on
/// Unix, readable and writable by their owner only from the first byte.
/// </summary>
public static class PrivateFile
{
    public static FileStream Create(string path) => new(path, Options(FileOptions.None));

    /// <summary>
    /// A scratch file that no kill can leave behind: on Windows the system deletes it when its last handle closes
    /// (DeleteOnClose: also when the process is killed); elsewhere its name is removed at once and the open handle
    /// keeps the (nameless) file until it closes. It takes disk space like any file, and is never seen by name again.
    /// </summary>
    public static FileStream CreateScratch(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return new FileStream(path, Options(FileOptions.DeleteOnClose));
        }

        var stream = new FileStream(path, Options(FileOptions.None));
        try
        {
            File.Delete(path);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static FileStreamOptions Options(FileOptions fileOptions)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 1 << 16, Options = fileOptions };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
