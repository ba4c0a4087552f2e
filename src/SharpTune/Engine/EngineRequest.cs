using SharpTune.Generation;

namespace SharpTune.Engine;

/// <summary>
/// One generation: the whole prompt as token ids (template applied; text from users or pages encoded with special
/// tokens NOT recognised, so a page cannot forge a chat turn), its own decoding options (stop strings, sampling,
/// seed, max new tokens), and the adapter for this request (null: the base model).
/// </summary>
public sealed record EngineRequest(int[] Prompt, GenerationOptions Options, string? Adapter = null);
