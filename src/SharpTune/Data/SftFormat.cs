namespace SharpTune.Data;

/// <summary>How a JSONL line becomes prompt and answer: {source, summary} pairs, Alpaca, or chat messages.</summary>
public enum SftFormat { Auto, Pairs, Alpaca, Chat }
