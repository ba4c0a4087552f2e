using SharpTune.Engine;

namespace SharpTune.Tests;

public sealed class StopStringStreamTests
{
    // Feeds growing texts as a decoder would produce them, collects the pieces.
    private static (List<string> Pieces, string Final) Run(string[] stops, IEnumerable<string> texts, string final)
    {
        var s = new StopStringStream(stops);
        var pieces = texts.Select(s.Next).ToList();
        pieces.Add(s.Finish(final));
        return (pieces, final);
    }

    [Fact]
    public void A_stop_string_split_across_tokens_is_never_shown()
    {
        var (pieces, final) = Run(["END"], ["Hello", "Hello E", "Hello EN", "Hello END"], "Hello ");
        Assert.Equal(final, string.Concat(pieces));
        Assert.Equal("Hello", pieces[0]);
        Assert.Equal(" ", pieces[1]); // "E" is held: it may start "END"
        Assert.Equal("", pieces[2]);
        Assert.DoesNotContain("E", string.Concat(pieces));
    }

    [Fact]
    public void A_held_prefix_that_does_not_become_a_stop_is_released()
    {
        var (pieces, final) = Run(["END"], ["a E", "a EN", "a ENV"], "a ENV");
        Assert.Equal(["a ", "", "ENV", ""], pieces);
        Assert.Equal(final, string.Concat(pieces));
    }

    [Fact]
    public void Half_a_character_waits_for_the_rest()
    {
        var (pieces, _) = Run([], ["caf", "caf\uFFFD", "café", "café \uD83D", "café 🙂"], "café 🙂");
        Assert.Equal(["caf", "", "é", " ", "🙂", ""], pieces);
    }
}
