using SharpTune.Evaluation;

namespace SharpTune.Tests;

/// <summary>The source-grounding (hallucination) measures on cases checked by hand.</summary>
public class GroundingTests
{
    [Fact]
    public void TokensKeepVersionNumbersAndLanguageNamesWhole() =>
        Assert.Equal(["Python", "2.7", "bindings", "for", "C++", "and", "x86-64", "it's"],
                     Grounding.Tokenize("Python 2.7 bindings for C++, and x86-64 (it's)."));

    [Fact]
    public void CountsUnsupportedContentTokensCaseInsensitively()
    {
        const string source = "GNU Emacs is an extensible text editor. This package contains the X11 build.";
        // Content tokens of the summary: emacs, text, editor, for, ... "for" is a function word.
        // "Emacs" "text" "editor" occur (case-insensitively); "Lisp" and "IDE" do not → 2 of 5 unsupported.
        var s = Grounding.Score("emacs text editor with Lisp IDE", source);
        Assert.Equal(5, s.ContentTokens);
        Assert.Equal(2, s.UnsupportedContentTokens);
        Assert.Equal(0.4, s.UnsupportedTokenRate, 1e-12);
    }

    [Fact]
    public void NumbersMustAppearExactly()
    {
        var s = Grounding.Score("library for version 3.1 (build 2020)", "This is version 3.1 of the library, released in 2019.");
        Assert.Equal(2, s.Numbers);
        Assert.Equal(["2020"], s.UnsupportedNumbers);
        Assert.True(s.HasUnsupportedNumberOrName);
    }

    [Fact]
    public void NamesAreMatchedAsContiguousSpans()
    {
        const string source = "Tools for the Robot Operating System. Programming tools included.";
        // "Robot Operating System" occurs as a span; "Robot Programming Toolkit" does not, although "Robot" and
        // "Programming" each occur: spans are matched whole.
        var ok = Grounding.Score("Robot Operating System tools", source);
        Assert.Empty(ok.UnsupportedNames);
        Assert.False(ok.HasUnsupportedNumberOrName);
        var bad = Grounding.Score("Robot Programming Toolkit - C++ Libraries", source);
        Assert.Equal(["Robot Programming Toolkit", "C++ Libraries"], bad.UnsupportedNames);
    }

    [Fact]
    public void FunctionWordsAtTheEdgesOfCapitalisedRunsAreNotNames()
    {
        // "The" and "Of" are trimmed: the names are "Debian" and "Free Software".
        var s = Grounding.Score("The Debian Of Free Software", "debian is made of free software");
        Assert.Equal(2, s.Names);
        Assert.Empty(s.UnsupportedNames);
    }

    [Fact]
    public void AnEmptySummaryHasNothingUnsupported()
    {
        var s = Grounding.Score("", "anything");
        Assert.Equal(0, s.UnsupportedTokenRate);
        Assert.False(s.HasUnsupportedNumberOrName);
    }
}
