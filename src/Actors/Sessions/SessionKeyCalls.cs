using Akka.Actor;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Mechanisms.Derive;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.Policy;
using static OpenCryptokiActors.Actors.Sessions.SessionCommands;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;
using static OpenCryptokiActors.Actors.Tokens.TokenCommands;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>
/// Key management in a session: generation, wrapping, unwrapping, derivation, encapsulation. The crypto runs here; new
/// objects, validated and frozen, go to the token to be stored (<see cref="StoreNewObjects"/>), which answers the caller.
/// </summary>
public sealed class SessionKeyCalls(SessionContext ctx)
{
    public void Handle(Request request)
    {
        switch (request)
        {
            case GenerateKey c: GenerateKey(c); break;
            case GenerateKeyPair c: GenerateKeyPair(c); break;
            case BeginWrap m: Wrap(m); break;
            case BeginUnwrap m: Unwrap(m); break;
            case BeginDerive m: Derive(m); break;
            case BeginEncapsulate m: Encapsulate(m); break;
            case BeginDecapsulate m: Decapsulate(m); break;
            case BeginReencrypt m: Reencrypt(m); break;
            default: throw new CkException(CKR.FUNCTION_NOT_SUPPORTED);
        }
    }

    /// <summary>Hands new objects to the token, which stores them and answers the caller of <paramref name="origin"/>.</summary>
    private void Store(Request origin, AttributeSet[] objects, byte[]? ciphertext = null, byte[]? trailer = null) =>
        ctx.Token.Tell(new StoreNewObjects(ctx.Handle, Frozen(objects), ciphertext, trailer) { Id = origin.Id, ReplyTo = origin.ReplyTo, Caller = ctx.Caller }, ActorRefs.NoSender);

    private void GenerateKey(GenerateKey c)
    {
        var template = c.Template.ToAttributeSet();
        var (_, impl) = ctx.Mechanism(c.Mechanism.Type, CKF.GENERATE, c.Mechanism.Parameter);
        var produced = impl.GenerateKey(c.Mechanism.Type, c.Mechanism.Parameter, template);
        var full = TemplateValidator.ForGenerated(template, produced, ObjectOrigin.Generate, c.Mechanism.Type, null);
        ctx.PolicyKeys(full);
        ctx.Stats?.Count(c.Mechanism.Type, full);
        Store(c, [full]);
    }

    private void GenerateKeyPair(GenerateKeyPair c)
    {
        var publicTemplate = c.PublicTemplate.ToAttributeSet();
        var privateTemplate = c.PrivateTemplate.ToAttributeSet();
        var (type, parameter) = (c.Mechanism.Type, c.Mechanism.Parameter);
        var (_, impl) = ctx.Mechanism(type, CKF.GENERATE_KEY_PAIR, parameter);
        var (pub, priv) = impl.GenerateKeyPair(type, parameter, publicTemplate, privateTemplate);
        var fullPublic = TemplateValidator.ForGenerated(publicTemplate, pub, ObjectOrigin.GenerateKeyPair, type, null);
        var fullPrivate = TemplateValidator.ForGenerated(privateTemplate, priv, ObjectOrigin.GenerateKeyPair, type, null);
        ctx.PolicyKeys(fullPublic, fullPrivate);
        ctx.Stats?.Count(type, fullPrivate);
        Store(c, [fullPublic, fullPrivate]);
    }

    private void Wrap(BeginWrap m)
    {
        var (_, impl) = ctx.KeyUse(m.Mechanism, CKF.WRAP, m.WrappingKey.Attributes, CKA.WRAP);
        KeyUsage.CheckWrap(m.WrappingKey.Attributes, m.Key.Attributes);
        KeyManagementPolicy.CheckWrap(ctx.Policy.KeyManagement, m.WrappingKey.Attributes, m.Key.Attributes);
        var wrapped = impl.Wrap(m.Mechanism.Type, m.Mechanism.Parameter, m.WrappingKey.Attributes, KeyEncoding.Encode(m.Key.Attributes));
        ctx.Stats?.Count(m.Mechanism.Type, m.WrappingKey.Attributes);
        if (!SessionMessageCalls.Fits(m, (ulong)wrapped.Length, m.Capacity)) return;
        m.Ok(Output.Delivered(wrapped));
    }

    private void Unwrap(BeginUnwrap m)
    {
        var (_, impl) = ctx.KeyUse(m.Mechanism, CKF.UNWRAP, m.UnwrappingKey.Attributes, CKA.UNWRAP);
        var template = KeyUsage.ApplyKeyTemplate(m.Template.ToAttributeSet(), m.UnwrappingKey.Attributes, CKA.UNWRAP_TEMPLATE);
        var cls = template.GetULong(CKA.CLASS) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE);
        var keyType = template.GetULong(CKA.KEY_TYPE) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE);
        var encoding = impl.Unwrap(m.Mechanism.Type, m.Mechanism.Parameter, m.UnwrappingKey.Attributes, m.Wrapped);
        var produced = KeyEncoding.Decode(cls, keyType, encoding, template, impl.UnwrapsFromEnd(m.Mechanism.Type));
        var full = TemplateValidator.ForGenerated(template, produced, ObjectOrigin.Unwrap, m.Mechanism.Type, m.UnwrappingKey.Attributes);
        ctx.PolicyKeys(full);
        ctx.Stats?.Count(m.Mechanism.Type, m.UnwrappingKey.Attributes);
        Store(m, [full]);
    }

    private void Derive(BeginDerive m)
    {
        var (_, impl) = ctx.KeyUse(m.Mechanism, CKF.DERIVE, m.BaseKey.Attributes, CKA.DERIVE);
        var template = KeyUsage.ApplyKeyTemplate(m.Template.ToAttributeSet(), m.BaseKey.Attributes, CKA.DERIVE_TEMPLATE);
        var made = m.OtherKey is { } other
            ? new DerivedObjects([new DerivedObject(template, impl.DeriveWithKey(m.Mechanism.Type, m.Mechanism.Parameter, m.BaseKey.Attributes, other.Attributes, template))], null)
            : impl.DeriveAll(m.Mechanism.Type, m.Mechanism.Parameter, m.BaseKey.Attributes, template);
        ctx.Stats?.Count(m.Mechanism.Type, m.BaseKey.Attributes);
        // CKM_CONCATENATE_BASE_AND_KEY: the new key's sensitivity and extractability follow the stricter of the two keys
        var source = m.OtherKey is { } second ? ConcatenateBaseAndKey.Source(m.BaseKey.Attributes, second.Attributes) : m.BaseKey.Attributes;
        var full = made.Objects.Select(o => TemplateValidator.ForGenerated(o.Template, o.Produced, ObjectOrigin.Derive, m.Mechanism.Type, source)).ToArray();
        ctx.PolicyKeys(full);
        Store(m, full, trailer: made.Output);
    }

    /// <summary>
    /// C_IBM_ReencryptSingle (openCryptoki's "Vendor IBM" 1.0 interface): decrypts under the first key and encrypts the result
    /// under the second in one call; the plaintext exists only here and is wiped. Each key is checked as its C_DecryptInit /
    /// C_EncryptInit would check it. As in openCryptoki, an active encryption or decryption of the session makes it
    /// CKR_OPERATION_ACTIVE; a NULL or short output buffer gets the length (the work is done again when the call is repeated).
    /// A key that wants a context login before each use cannot be used by a call that has no room for one.
    /// </summary>
    private void Reencrypt(BeginReencrypt m)
    {
        if (ctx.Active.ContainsKey(OperationKind.Encrypt) || ctx.Active.ContainsKey(OperationKind.Decrypt)) throw new CkException(CKR.OPERATION_ACTIVE);
        var (_, dec) = ctx.KeyUse(m.DecryptMechanism, CKF.DECRYPT, m.DecryptKey.Attributes, CKA.DECRYPT);
        var (_, enc) = ctx.KeyUse(m.EncryptMechanism, CKF.ENCRYPT, m.EncryptKey.Attributes, CKA.ENCRYPT);
        if (m.DecryptKey.Attributes.IsTrue(CKA.ALWAYS_AUTHENTICATE)) throw new CkException(CKR.USER_NOT_LOGGED_IN);
        var plain = dec.CreateDecrypt(m.DecryptMechanism.Type, m.DecryptMechanism.Parameter, m.DecryptKey.Attributes).OneShot(m.Data);
        byte[] output;
        try
        {
            output = enc.CreateEncrypt(m.EncryptMechanism.Type, m.EncryptMechanism.Parameter, m.EncryptKey.Attributes).OneShot(plain);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
        }

        ctx.Stats?.Count(m.DecryptMechanism.Type, m.DecryptKey.Attributes);
        ctx.Stats?.Count(m.EncryptMechanism.Type, m.EncryptKey.Attributes);
        if (!SessionMessageCalls.Fits(m, (ulong)output.Length, m.Capacity)) return;
        m.Ok(Output.Delivered(output));
    }

    /// <summary>C_EncapsulateKey: the ciphertext goes back (output rules: a NULL or short buffer gets its length and no key is made) with the new key's handle.</summary>
    private void Encapsulate(BeginEncapsulate m)
    {
        var (_, impl) = ctx.KeyUse(m.Mechanism, CKF.ENCAPSULATE, m.PublicKey.Attributes, CKA.ENCAPSULATE);
        var template = m.Template.ToAttributeSet();
        var (ciphertext, produced) = impl.Encapsulate(m.Mechanism.Type, m.Mechanism.Parameter, m.PublicKey.Attributes, template);
        if (!SessionMessageCalls.Fits(m, (ulong)ciphertext.Length, m.Capacity)) return;
        var full = TemplateValidator.ForGenerated(template, produced, ObjectOrigin.Derive, m.Mechanism.Type, m.PublicKey.Attributes);
        ctx.PolicyKeys(full);
        Store(m, [full], ciphertext);
    }

    private void Decapsulate(BeginDecapsulate m)
    {
        var (_, impl) = ctx.KeyUse(m.Mechanism, CKF.DECAPSULATE, m.PrivateKey.Attributes, CKA.DECAPSULATE);
        var template = m.Template.ToAttributeSet();
        var produced = impl.Decapsulate(m.Mechanism.Type, m.Mechanism.Parameter, m.PrivateKey.Attributes, m.Ciphertext, template);
        var full = TemplateValidator.ForGenerated(template, produced, ObjectOrigin.Derive, m.Mechanism.Type, m.PrivateKey.Attributes);
        ctx.PolicyKeys(full);
        Store(m, [full]);
    }
}
