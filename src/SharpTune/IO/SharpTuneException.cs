namespace SharpTune.IO;

/// <summary>
/// A user-facing failure: bad input, a missing file, a mis-shaped tensor. The CLI prints only the message
/// (one line, naming the file or field), never a stack trace.
/// </summary>
public sealed class SharpTuneException(string message, Exception? inner = null) : Exception(message, inner);
