using Akka.Actor;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Actors.Tests;

public sealed class TokenRecoverySpec
{
    private static readonly byte[] Value = "recovered payload"u8.ToArray();

    private static WireAttribute[] DataObject(string label) =>
    [
        new(CKA.CLASS, Attr.ULong(CKO.DATA)),
        new(CKA.TOKEN, Attr.Bool(true)),
        new(CKA.PRIVATE, Attr.Bool(false)),
        new(CKA.LABEL, System.Text.Encoding.UTF8.GetBytes(label)),
        new(CKA.VALUE, Value),
    ];

    [Fact]
    public async Task Token_must_recover_its_objects_PIN_state_and_failure_count_after_the_actor_system_restarts()
    {
        var dir = TestConfig.NewDataDir();
        var config = TestConfig.For(dir);

        var first = ActorSystem.Create("first", config);
        ulong handle;
        try
        {
            var client = await ClientHarness.ConnectAsync(await Runtime.StartAsync(first, config));
            client.InitToken(0, "so-secret", "recovery");
            var session = client.OpenSession(0);
            handle = client.CallOk(Opcode.CreateObject, w => { w.WriteULong(session); w.WriteTemplate(DataObject("kept")); }).ULong();
            var wrong = client.Call(Opcode.Login, w => { w.WriteULong(session); w.WriteULong(CKU.SO); w.WriteBytes("wrong-pin"u8); });
            Assert.Equal(CKR.PIN_INCORRECT, wrong.Rv);
        }
        finally
        {
            await first.Terminate();
        }

        var second = ActorSystem.Create("second", config);
        try
        {
            var client = await ClientHarness.ConnectAsync(await Runtime.StartAsync(second, config));
            var (_, _, flags) = client.TokenCounts(0);
            Assert.True((flags & CKF.TOKEN_INITIALIZED) != 0, "token must still be initialized");
            Assert.True((flags & CKF.SO_PIN_COUNT_LOW) != 0, "the wrong SO PIN must still be counted");
            var session = client.OpenSession(0);
            client.CallOk(Opcode.FindObjectsInit, w =>
            {
                w.WriteULong(session);
                w.WriteTemplate([new WireAttribute(CKA.LABEL, "kept"u8.ToArray())]);
            });
            var found = client.CallOk(Opcode.FindObjects, w => { w.WriteULong(session); w.WriteULong(10); });
            Assert.Equal([handle], new WireReader(found.Payload).ReadULongs());
            client.CallOk(Opcode.FindObjectsFinal, w => w.WriteULong(session));

            var attrs = client.CallOk(Opcode.GetAttributeValue, w =>
            {
                w.WriteULong(session);
                w.WriteULong(handle);
                w.WriteUInt32(1);
                w.WriteULong(CKA.VALUE);
                w.WriteULong(64);
            });
            var r = new WireReader(attrs.Payload);
            Assert.Equal(1u, r.ReadUInt32());
            Assert.Equal((ulong)Value.Length, r.ReadULong());
            Assert.Equal(Value, r.ReadBytes());

            client.Login(session, CKU.SO, "so-secret");
            Assert.Equal(0UL, client.TokenCounts(0).Flags & CKF.SO_PIN_COUNT_LOW);
        }
        finally
        {
            await second.Terminate();
        }
    }
}
