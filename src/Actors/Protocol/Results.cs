using System.Collections.Immutable;

namespace OpenCryptokiActors.Actors.Protocol;

// The results a Reply<T> carries. Each has one wire form (Server/ReplyEncoder); the same records serve the embedded API.

/// <summary>
/// The output rules of a call that returns data (PKCS#11 §5.2): <paramref name="Data"/> null when not delivered (a NULL
/// output pointer: CKR_OK; a short buffer: CKR_BUFFER_TOO_SMALL), <paramref name="Length"/> always the length.
/// </summary>
public readonly record struct Output(ulong Length, byte[]? Data)
{
    public static Output Delivered(byte[] data) => new((ulong)data.Length, data);

    public static Output LengthOnly(ulong length) => new(length, null);
}

/// <summary>C_EncryptMessage / C_*MessageNext delivered: the data, then the IV used (C_EncryptMessage only) and the tag.</summary>
public readonly record struct MessageOutput(byte[] Data, byte[]? Iv, byte[] Tag);

/// <summary>A single CK_ULONG: a new object's or session's handle, a size, a slot id.</summary>
public readonly record struct Handle(ulong Value);

/// <summary>A list of CK_ULONGs: slot ids, mechanism types, found objects.</summary>
public readonly record struct Handles(ImmutableArray<ulong> Values);

/// <summary>A byte string: random bytes, a message's IV.</summary>
public readonly record struct Bytes(byte[] Value);

/// <summary>
/// New objects (C_GenerateKey, C_GenerateKeyPair, C_UnwrapKey, C_DeriveKey, C_DecapsulateKey): their handles, then the
/// derivation's output parameter bytes (CK_VERSION, IVs) when it has one.
/// </summary>
public readonly record struct NewObjects(ImmutableArray<ulong> Handles, byte[]? Trailer);

/// <summary>ForkPrepare: the clone a fork()ed child takes over (its application id and the secret of its Hello).</summary>
public readonly record struct ForkClone(ulong AppId, byte[] Secret);

/// <summary>C_EncapsulateKey delivered: the ciphertext and the new key's handle.</summary>
public readonly record struct Encapsulated(byte[] Ciphertext, ulong Key);

public readonly record struct SlotInfo(string Description, string Manufacturer, ulong Flags, byte HardwareMajor, byte HardwareMinor,
    byte FirmwareMajor, byte FirmwareMinor);

public readonly record struct TokenInfo(string Label, string Manufacturer, string Model, string Serial, ulong Flags,
    ulong MaxSessionCount, ulong SessionCount, ulong MaxRwSessionCount, ulong RwSessionCount, ulong MaxPinLen, ulong MinPinLen,
    ulong TotalPublicMemory, ulong FreePublicMemory, ulong TotalPrivateMemory, ulong FreePrivateMemory,
    byte HardwareMajor, byte HardwareMinor, byte FirmwareMajor, byte FirmwareMinor, string UtcTime);

public readonly record struct MechanismInfoResult(ulong MinKeySize, ulong MaxKeySize, ulong Flags);

public readonly record struct SessionInfo(ulong SlotId, ulong State, ulong Flags, ulong DeviceError);

/// <summary>One attribute of a C_GetAttributeValue answer: ulValueLen (CK_UNAVAILABLE_INFORMATION when not available) and the value when copied.</summary>
public readonly record struct AttributeValue(ulong Length, byte[]? Value);

/// <summary>C_GetAttributeValue: one entry per asked attribute, in order (sent also with CKR_ATTRIBUTE_SENSITIVE, _TYPE_INVALID, CKR_BUFFER_TOO_SMALL).</summary>
public readonly record struct AttributeValues(ImmutableArray<AttributeValue> Values);
