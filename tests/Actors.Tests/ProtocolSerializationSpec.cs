using System.Collections.Immutable;
using System.Reflection;
using Akka.Actor;
using Akka.Configuration;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Actors.Sessions;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>
/// Every message of the actor protocol crosses nodes: each type (found by reflection, so that a new message without a
/// binding fails here) is bound to Hyperion by the daemon's configuration and round-trips through it with its content.
/// Types marked <see cref="LocalOnlyAttribute"/> never leave their node and are the only exceptions.
/// </summary>
public sealed class ProtocolSerializationSpec() : Akka.TestKit.Xunit2.TestKit(OpenCryptokiDaemon.Compose(ConfigurationFactory.Empty))
{
    private static readonly Assembly Actors = typeof(IProtocolMessage).Assembly;

    /// <summary>The protocol's record types: every concrete record nested in a *Commands / *Protocol class or implementing IProtocolMessage.</summary>
    public static IEnumerable<Type> ProtocolTypes() => Actors.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } || t.IsValueType)
        .Where(t => t.Namespace?.StartsWith("OpenCryptokiActors.Actors", StringComparison.Ordinal) == true)
        .Where(t => typeof(IProtocolMessage).IsAssignableFrom(t)
                    || t.DeclaringType?.Name is { } outer && (outer.EndsWith("Commands", StringComparison.Ordinal) || outer.EndsWith("Protocol", StringComparison.Ordinal))
                    && t.GetMethod("<Clone>$") is not null)
        .Where(t => !t.IsGenericTypeDefinition);

    [Fact]
    public void Every_protocol_record_is_a_protocol_message_unless_it_says_why_it_stays_local()
    {
        var unbound = ProtocolTypes().Where(t => !typeof(IProtocolMessage).IsAssignableFrom(t) && t.GetCustomAttribute<LocalOnlyAttribute>() is null)
            .Select(t => t.FullName).ToList();
        Assert.True(unbound.Count == 0, "protocol records that are not IProtocolMessage: " + string.Join(", ", unbound));
    }

    [Fact]
    public void Every_protocol_message_round_trips_through_the_configured_serializer()
    {
        var types = ProtocolTypes().Where(t => typeof(IProtocolMessage).IsAssignableFrom(t) && !t.IsValueType).ToList();
        types.AddRange(typeof(Output).Assembly.GetTypes().Where(t => t.Namespace == typeof(Output).Namespace && t.IsValueType && !t.IsEnum)
            .Select(t => typeof(Reply<>).MakeGenericType(t)));
        Assert.True(types.Count > 90, $"only {types.Count} protocol types found");
        var failures = new List<string>();
        foreach (var type in types)
        {
            try
            {
                var message = Sample(type);
                var serializer = Sys.Serialization.FindSerializerFor(message);
                Assert.Equal("HyperionSerializer", serializer.GetType().Name);
                var bytes = serializer.ToBinary(message);
                var back = serializer.FromBinary(bytes, type);
                Assert.IsType(type, back);
                Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(serializer.ToBinary(back)));
            }
            catch (Exception e)
            {
                failures.Add($"{type.Name}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Content_survives_the_round_trip()
    {
        var key = new AttributeSet([new(CKA.CLASS, Attr.ULong(CKO.SECRET_KEY)), new(CKA.VALUE, [9, 8, 7])]).Freeze();
        key.Prepared(typeof(ProtocolSerializationSpec), _ => new object()); // a prepared crypto object is never serialized
        var begin = new SessionProtocol.BeginOperation(SessionProtocol.OperationKind.Sign, new WireMechanism(CKM.SHA256_HMAC, null),
            new SessionProtocol.KeySnapshot(5, key)) { Id = 42, ReplyTo = TestActor };
        var back = (SessionProtocol.BeginOperation)RoundTrip(begin);
        Assert.Equal(42u, back.Id);
        Assert.Equal(TestActor.Path, back.ReplyTo.Path);
        Assert.Equal(CKM.SHA256_HMAC, back.Mechanism.Type);
        Assert.Equal(new byte[] { 9, 8, 7 }, back.Key.Attributes[CKA.VALUE]);
        Assert.Equal(CKO.SECRET_KEY, back.Key.Attributes.GetULong(CKA.CLASS));

        var login = (Tokens.TokenCommands.Login)RoundTrip(new Tokens.TokenCommands.Login(3, CKU.USER, [1, 2, 3, 4])
            { Caller = new Caller(7, new PeerCredentials(100, 1000, 1000, [10, 20])) });
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, login.Pin);
        Assert.Equal(7UL, login.Caller.AppId);
        Assert.True(login.Caller.Peer!.InGroup(20));

        var reply = (Reply<AttributeValues>)RoundTrip(new Reply<AttributeValues>(9, CKR.BUFFER_TOO_SMALL,
            new AttributeValues([new AttributeValue(3, [1, 2, 3]), new AttributeValue(CK.UNAVAILABLE_INFORMATION, null)])));
        Assert.Equal(CKR.BUFFER_TOO_SMALL, reply.Rv);
        Assert.Equal(new byte[] { 1, 2, 3 }, reply.Result.Values[0].Value);
        Assert.Null(reply.Result.Values[1].Value);
    }

    private object RoundTrip(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        return serializer.FromBinary(serializer.ToBinary(message), message.GetType());
    }

    // ------------------------------------------------------------------ samples

    private object Sample(Type type)
    {
        if (type == typeof(ulong)) return 7UL;
        if (type == typeof(uint)) return 7u;
        if (type == typeof(int)) return 7;
        if (type == typeof(ushort)) return (ushort)7;
        if (type == typeof(long)) return 7L;
        if (type == typeof(bool)) return true;
        if (type == typeof(byte)) return (byte)7;
        if (type == typeof(string)) return "sample";
        if (type == typeof(byte[])) return new byte[] { 1, 2, 3 };
        if (type.IsEnum) return Enum.GetValues(type).GetValue(0)!;
        if (type == typeof(IActorRef)) return TestActor;
        if (type == typeof(WireMechanism)) return new WireMechanism(CKM.AES_CBC, new byte[16]);
        if (type == typeof(Template)) return Template.Of([new WireAttribute(CKA.LABEL, [65]), new WireAttribute(CKA.ID, null)]);
        if (type == typeof(AttributeSet)) return new AttributeSet([new(CKA.CLASS, Attr.ULong(CKO.DATA)), new(CKA.VALUE, [1])]).Freeze();
        if (type == typeof(MessageParams)) return new MessageParams(MessageParams.Gcm, new byte[12], 0, CKG.NO_GENERATE, 128, 0, []);
        if (type == typeof(Request)) return new Applications.ApplicationCommands.GetSlotList(true) { Id = 3, ReplyTo = TestActor };
        if (type == typeof(Exception)) return new InvalidOperationException("sample");
        if (type == typeof(DateTimeOffset)) return DateTimeOffset.UnixEpoch;
        if (Nullable.GetUnderlyingType(type) is { } inner) return Sample(inner);
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>))
        {
            var element = type.GetGenericArguments()[0];
            var array = Array.CreateInstance(element, 1);
            array.SetValue(Sample(element), 0);
            return typeof(ImmutableArray).GetMethods().First(m => m.Name == "Create" && m.GetParameters() is [{ ParameterType.IsArray: true }])
                .MakeGenericMethod(element).Invoke(null, [array])!;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() is var g && (g == typeof(IReadOnlyList<>) || g == typeof(IReadOnlyCollection<>)))
        {
            var element = type.GetGenericArguments()[0];
            var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
            list.Add(Sample(element));
            return list;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
        {
            var args = type.GetGenericArguments();
            var dict = (System.Collections.IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(args))!;
            dict.Add(Sample(args[0]), Sample(args[1]));
            return dict;
        }

        if (type.GetField("Instance", BindingFlags.Public | BindingFlags.Static) is { } single && single.FieldType == type) return single.GetValue(null)!;
        var ctor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
                   ?? throw new InvalidOperationException($"no public constructor for {type.Name}");
        var made = ctor.Invoke(ctor.GetParameters().Select(p => Sample(p.ParameterType)).ToArray());
        if (made is Request r)
        {
            typeof(Request).GetProperty(nameof(Request.Id))!.SetValue(r, 11u);
            typeof(Request).GetProperty(nameof(Request.ReplyTo))!.SetValue(r, TestActor);
        }

        return made;
    }
}
