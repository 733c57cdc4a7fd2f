global using Pkcs11Uri = OpenCryptokiActors.Cli.Core.Pkcs11Uri;
