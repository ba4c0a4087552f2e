namespace SharpTune.Models;

/// <summary>The decoder families SharpTune implements. Mistral and SmolLM load as <see cref="Llama"/>.</summary>
public enum Architecture { Llama, Qwen2, Gpt2 }
