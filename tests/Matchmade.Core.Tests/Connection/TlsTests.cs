using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Fixtures;
using Npgsql;

namespace Matchmade.Core.Tests.Connection;

/// <summary>
/// TLS against a real server whose certificate comes from a CA made here: sslmode=require and verify-full connect
/// (and the session really is encrypted); a wrong CA or a host name the certificate does not name fails clearly.
/// </summary>
public sealed class TlsTests : IClassFixture<TlsTests.TlsServer>
{
    private readonly TlsServer server;

    public TlsTests(TlsServer server) => this.server = server;

    [Fact]
    public void Sslmode_require_connects_encrypted()
    {
        Assert.True(Encrypted(server.Url("localhost", "sslmode=require")));
    }

    [Fact]
    public void Verify_full_with_the_servers_CA_connects_encrypted_with_Prismas_and_libpqs_parameter_names()
    {
        Assert.True(Encrypted(server.Url("localhost", $"sslmode=verify-full&sslrootcert={Uri.EscapeDataString(server.CaFile)}")));
        Assert.True(Encrypted(server.Url("localhost", $"sslcert={Uri.EscapeDataString(server.CaFile)}&sslaccept=strict")));
    }

    /// <summary>A relative sslrootcert is relative to the caller's folder (PowerShell's location), not the process's.</summary>
    [Fact]
    public void A_relative_CA_path_is_taken_from_the_callers_folder()
    {
        var folder = Path.GetDirectoryName(server.CaFile)!;
        Assert.NotEqual(folder, Environment.CurrentDirectory);
        Assert.True(Encrypted(server.Url("localhost", $"sslmode=verify-full&sslrootcert={Uri.EscapeDataString(Path.GetFileName(server.CaFile))}"), folder));
    }

    [Fact]
    public void Verify_full_with_another_CA_is_a_clear_TLS_error()
    {
        var e = Assert.Throws<MatchmadeException>(() => Encrypted(server.Url("localhost", $"sslmode=verify-full&sslrootcert={Uri.EscapeDataString(server.OtherCaFile)}")));
        AssertTlsFailure(e);
    }

    [Fact]
    public void Verify_full_with_a_host_name_the_certificate_does_not_name_is_a_clear_TLS_error()
    {
        // The certificate names localhost only; 127.0.0.1 is the same server under another name.
        var e = Assert.Throws<MatchmadeException>(() => Encrypted(server.Url("127.0.0.1", $"sslmode=verify-full&sslrootcert={Uri.EscapeDataString(server.CaFile)}")));
        AssertTlsFailure(e);
    }

    private void AssertTlsFailure(MatchmadeException e)
    {
        Assert.Equal("TlsFailed", e.ErrorId);
        Assert.Equal(FailureKind.SecurityError, e.Kind);
        Assert.Contains("sslrootcert", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Password, e.ToString(), StringComparison.Ordinal);
    }

    private static bool Encrypted(string url, string? baseDirectory = null)
    {
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = url, BaseDirectory = baseDirectory });
        using var connection = target.Open();
        using var command = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
        return (bool)command.ExecuteScalar()!;
    }

    /// <summary>A cluster with ssl = on and a certificate for "localhost" signed by a CA made for the test.</summary>
    public sealed class TlsServer : IDisposable
    {
        private readonly string directory = Directory.CreateTempSubdirectory("mm-tls-").FullName;
        private readonly LocalCluster cluster;

        public TlsServer()
        {
            var now = DateTimeOffset.UtcNow;
            using var caKey = RSA.Create(2048);
            var caRequest = new CertificateRequest("CN=Matchmade Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
            using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

            using var serverKey = RSA.Create(2048);
            var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            serverRequest.CertificateExtensions.Add(names.Build());
            serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
            serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            using var serverCertificate = serverRequest.Create(ca, now.AddDays(-1), now.AddDays(29), RandomNumberGenerator.GetBytes(8));

            using var otherKey = RSA.Create(2048);
            using var other = new CertificateRequest("CN=Some Other CA", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

            CaFile = Write("ca.crt", ca.ExportCertificatePem());
            OtherCaFile = Write("other-ca.crt", other.ExportCertificatePem());
            var certFile = Write("server.crt", serverCertificate.ExportCertificatePem());
            var keyFile = Write("server.key", serverKey.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite); // the server refuses a key others can read
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
                if (Environment.UserName == "root")
                {
                    Chown(directory, certFile, keyFile); // the server runs as postgres and must own its key
                }
            }

            cluster = LocalCluster.Start(new LocalClusterOptions
            {
                Settings = new Dictionary<string, string> { ["ssl"] = "on", ["ssl_cert_file"] = certFile, ["ssl_key_file"] = keyFile },
            });
        }

        public string CaFile { get; }

        public string OtherCaFile { get; }

        public string Password => cluster.Password;

        public string Url(string host, string query) =>
            $"postgresql://postgres:{Uri.EscapeDataString(cluster.Password)}@{host}:{cluster.Port}/postgres?{query}";

        public void Dispose()
        {
            cluster.Dispose();
            Directory.Delete(directory, recursive: true);
        }

        private string Write(string name, string pem)
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, pem);
            return path;
        }

        private static void Chown(params string[] paths)
        {
            var start = new ProcessStartInfo("chown") { UseShellExecute = false };
            start.ArgumentList.Add("postgres:postgres");
            foreach (var path in paths)
            {
                start.ArgumentList.Add(path);
            }

            using var process = Process.Start(start)!;
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"chown exited with {process.ExitCode}");
            }
        }
    }
}
