using Akka.Actor;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.Mechanisms;
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
        var produced = KeyEncoding.Decode(cls, keyType, encoding, template);
        var full = TemplateValidator.ForGenerated(template, produced, ObjectOrigin.Unwrap, m.Mechanism.Type, m.UnwrappingKey.Attributes);
        ctx.PolicyKeys(full);
        ctx.Stats?.Count(m.Mechanism.Type, m.UnwrappingKey.Attributes);
        Store(m, [full]);
    }

    private void Derive(BeginDerive m)
    {
        var (_, impl) = ctx.KeyUse(m.Mechanism, CKF.DERIVE, m.BaseKey.Attributes, CKA.DERIVE);
        var template = KeyUsage.ApplyKeyTemplate(m.Template.ToAttributeSet(), m.BaseKey.Attributes, CKA.DERIVE_TEMPLATE);
        var made = impl.DeriveAll(m.Mechanism.Type, m.Mechanism.Parameter, m.BaseKey.Attributes, template);
        ctx.Stats?.Count(m.Mechanism.Type, m.BaseKey.Attributes);
        var full = made.Objects.Select(o => TemplateValidator.ForGenerated(o.Template, o.Produced, ObjectOrigin.Derive, m.Mechanism.Type, m.BaseKey.Attributes)).ToArray();
        ctx.PolicyKeys(full);
        Store(m, full, trailer: made.Output);
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
