using System.Text.Json.Nodes;

namespace SharpTune.Serving;

/// <summary>A request the server refuses, answered in OpenAI's shape {"error":{"message","type","param","code"}}.</summary>
public sealed class ApiError(int status, string message, string type = "invalid_request_error", string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
    /// <summary>Seconds for a Retry-After header (429).</summary>
    public int? RetryAfter { get; init; }

    public JsonObject ToJson() => new()
    {
        ["error"] = new JsonObject { ["message"] = Message, ["type"] = Type, ["param"] = Param, ["code"] = Code },
    };

    public static ApiError BadRequest(string message, string? param = null, string? code = null) => new(400, message, param: param, code: code);
}
