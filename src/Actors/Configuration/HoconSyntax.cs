using Akka.Configuration;

namespace OpenCryptokiActors.Actors.Configuration;

/// <summary>
/// A strict syntax check of a HOCON file before Akka's parser reads it: that parser takes an unterminated string up to
/// the end of the file, closes missing braces silently and reads garbage as defaults. This walks the HOCON grammar
/// (objects, arrays, key paths, separators, quoted, triple-quoted and unquoted strings, substitutions, include,
/// comments) and names the file, line and column of the first error, in one sentence.
/// </summary>
public static class HoconSyntax
{
    /// <summary>Characters HOCON forbids in unquoted strings (besides whitespace).</summary>
    private const string Forbidden = "$\"{}[]:=,+#`^?!@*&\\";

    /// <summary>Throws <see cref="ConfigurationException"/> "FILE:LINE:COLUMN: what is wrong" for the first syntax error.</summary>
    public static void Check(string text, string source)
    {
        var p = new Parser(text, source);
        p.Root();
    }

    private sealed class Parser(string text, string source)
    {
        private int _i;
        private int _line = 1;
        private int _col = 1;

        private bool End => _i >= text.Length;
        private char C => text[_i];

        private ConfigurationException Error(string what, int? line = null, int? col = null) =>
            new($"{source}:{line ?? _line}:{col ?? _col}: {what}");

        private void Advance()
        {
            if (text[_i] == '\n')
            {
                _line++;
                _col = 1;
            }
            else _col++;

            _i++;
        }

        /// <summary>Skips spaces, tabs and comments; with <paramref name="newlines"/> also line ends. True when a newline was skipped.</summary>
        private bool Skip(bool newlines)
        {
            var sawNewline = false;
            while (!End)
            {
                if (C == '#' || (C == '/' && _i + 1 < text.Length && text[_i + 1] == '/'))
                {
                    while (!End && C != '\n') Advance();
                    continue;
                }

                if (C == '\n')
                {
                    if (!newlines) return sawNewline;
                    sawNewline = true;
                    Advance();
                    continue;
                }

                if (C is ' ' or '\t' or '\r' or '\uFEFF' || (char.IsWhiteSpace(C) && C != '\n'))
                {
                    Advance();
                    continue;
                }

                break;
            }

            return sawNewline;
        }

        public void Root()
        {
            Skip(newlines: true);
            if (End) return;
            if (C == '{')
            {
                Object();
                Skip(newlines: true);
                if (!End) throw Error($"unexpected '{Show(C)}' after the closing '}}' of the root object");
                return;
            }

            Members(closer: null, openLine: 0, openCol: 0);
        }

        private void Object()
        {
            int line = _line, col = _col;
            Advance(); // {
            Members('}', line, col);
            Advance(); // }
        }

        /// <summary>Members up to <paramref name="closer"/> (not consumed) or, for the root, the end of the file.</summary>
        private void Members(char? closer, int openLine, int openCol)
        {
            while (true)
            {
                Skip(newlines: true);
                while (!End && C == ',')
                {
                    Advance();
                    Skip(newlines: true);
                }

                if (End)
                {
                    if (closer is null) return;
                    throw Error($"end of file: the '{{' opened at line {openLine}, column {openCol} is not closed");
                }

                if (closer is { } cl && C == cl) return;
                if (C is '}' or ']') throw Error($"unexpected '{C}'" + (closer is null ? " (nothing is open here)" : $": the '{{' of line {openLine}, column {openCol} is closed by '}}'"));
                Member();
                // a member ends at a newline, a comma or the closer
                var newline = Skip(newlines: true);
                if (End || C == ',' || (closer is { } c2 && C == c2) || newline) continue;
                throw Error($"unexpected '{Show(C)}' after a value (a new key starts on a new line or after a comma)");
            }
        }

        private void Member()
        {
            int line = _line, col = _col;
            if (System.Text.RegularExpressions.Regex.IsMatch(text.AsSpan(_i, Math.Min(40, text.Length - _i)).ToString(), "^include[ \t]+(\"|required\\(|file\\(|url\\(|classpath\\()"))
            {
                // include "file" / include required("file"): the rest of the line
                while (!End && C != '\n') Advance();
                return;
            }

            var key = KeyPath();

            Skip(newlines: false);
            if (End) throw Error($"end of file after key '{key}' (expected '=', ':' or '{{')");
            if (C == '{')
            {
                Object();
                return;
            }

            if (C is '=' or ':') Advance();
            else if (C == '+' && _i + 1 < text.Length && text[_i + 1] == '=')
            {
                Advance();
                Advance();
            }
            else if (C == '\n') throw Error($"key '{key}' has no value (expected '=', ':' or '{{' after it on line {line})", line, col);
            else throw Error($"unexpected '{Show(C)}' after key '{key}' (expected '=', ':' or '{{')");

            Skip(newlines: true);
            if (End) throw Error($"end of file: key '{key}' (line {line}) has no value");
            Value();
        }

        private string KeyPath()
        {
            var start = _i;
            var any = false;
            while (!End)
            {
                if (C == '"')
                {
                    QuotedString();
                    any = true;
                    continue;
                }

                if (C is ' ' or '\t')
                {
                    Advance();
                    continue;
                }

                if (C == '\n' || C == '#' || Forbidden.Contains(C) || char.IsControl(C)) break;
                if (C == '/' && _i + 1 < text.Length && text[_i + 1] == '/') break;
                Advance();
                any = true;
            }

            if (!any)
                throw End ? Error("end of file where a key was expected") : Error($"unexpected '{Show(C)}' where a key was expected");
            var key = text[start.._i].Trim();
            return new string(key.Select(ch => ch is >= ' ' and <= '~' ? ch : '?').ToArray());
        }

        /// <summary>A value: an object, an array, or a concatenation of simple values and substitutions on one line.</summary>
        private void Value()
        {
            var any = false;
            while (!End)
            {
                switch (C)
                {
                    case '{':
                        Object();
                        any = true;
                        continue;
                    case '[':
                        Array();
                        any = true;
                        continue;
                    case '"':
                        if (text.AsSpan(_i).StartsWith("\"\"\"")) TripleQuoted();
                        else QuotedString();
                        any = true;
                        continue;
                    case '$':
                        Substitution();
                        any = true;
                        continue;
                    case ' ' or '\t' or '\r':
                        Advance();
                        continue;
                }

                if (C == '\n' || C is ',' or '}' or ']' || C == '#' || (C == '/' && _i + 1 < text.Length && text[_i + 1] == '/')) break;
                if (Forbidden.Contains(C) || char.IsControl(C))
                    throw Error($"unexpected '{Show(C)}' in a value (quote the value if it holds one of {Forbidden})");
                Advance();
                any = true;
            }

            if (!any) throw End ? Error("end of file where a value was expected") : Error($"unexpected '{Show(C)}' where a value was expected");
        }

        private void Array()
        {
            int line = _line, col = _col;
            Advance(); // [
            while (true)
            {
                Skip(newlines: true);
                if (End) throw Error($"end of file: the '[' opened at line {line}, column {col} is not closed");
                if (C == ']')
                {
                    Advance();
                    return;
                }

                if (C == '}') throw Error($"unexpected '}}': the '[' of line {line}, column {col} is closed by ']'");
                Value();
                Skip(newlines: true);
                if (!End && C == ',') Advance();
            }
        }

        private void Substitution()
        {
            int line = _line, col = _col;
            Advance(); // $
            if (End || C != '{') throw Error("'$' outside quotes starts a substitution: ${path}", line, col);
            while (!End && C != '}' && C != '\n') Advance();
            if (End || C != '}') throw Error("unterminated substitution '${'", line, col);
            Advance();
        }

        private void QuotedString()
        {
            int line = _line, col = _col;
            Advance(); // "
            while (true)
            {
                if (End || C == '\n')
                    throw Error("unterminated string: the '\"' opened here is not closed on its line", line, col);
                if (C == '\\')
                {
                    Advance();
                    if (End || C == '\n') throw Error("unterminated string: it ends in a backslash", line, col);
                    if (!"\"\\/bfnrtu".Contains(C)) throw Error($"unknown escape '\\{Show(C)}' in a string");
                    Advance();
                    continue;
                }

                if (C == '"')
                {
                    Advance();
                    return;
                }

                Advance();
            }
        }

        private void TripleQuoted()
        {
            int line = _line, col = _col;
            for (var k = 0; k < 3; k++) Advance();
            while (!End)
            {
                if (text.AsSpan(_i).StartsWith("\"\"\""))
                {
                    while (!End && C == '"') Advance();
                    return;
                }

                Advance();
            }

            throw Error("unterminated \"\"\" string", line, col);
        }

        private static string Show(char c) => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();
    }
}
