#!/usr/bin/env python3
"""List every method/constructor in src/**/*.cs longer than LIMIT lines (signature to closing brace; default 60,
issue 12). Usage: python3 tools/long-methods.py [LIMIT] [ROOT]. A heuristic (comments and strings blanked, braces
counted), not a parser; local functions count as part of their method."""
import re, sys, pathlib

LIMIT = int(sys.argv[1]) if len(sys.argv) > 1 else 60
ROOT = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "src")

def strip(text):
    """Blank out comments, strings and chars (keeping newlines) so braces can be counted."""
    out, i, n = [], 0, len(text)
    while i < n:
        c, nx = text[i], text[i + 1] if i + 1 < n else ""
        if c == "/" and nx == "/":
            j = text.find("\n", i); j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif c == "/" and nx == "*":
            j = text.find("*/", i + 2); j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif text.startswith('"""', i) or (c in "$@" and '"""' in text[i:i + 6] and re.match(r'[$@]+"""', text[i:])):
            m = re.match(r'[$@]*("{3,})', text[i:]); q = m.group(1)
            j = text.find(q, i + m.end()); j = n if j < 0 else j + len(q)
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == '"' or (c in "$@" and re.match(r'[$@]{1,2}"', text[i:])):
            m = re.match(r'([$@]*)"', text[i:]); verbatim = "@" in m.group(1); interp = "$" in m.group(1)
            j = i + m.end(); depth = 0
            while j < n:
                if interp and text[j] == "{":
                    if text[j:j + 2] == "{{" and depth == 0: j += 2; continue
                    depth += 1
                elif interp and text[j] == "}" and depth > 0:
                    depth -= 1
                elif depth == 0 and not verbatim and text[j] == "\\": j += 2; continue
                elif depth == 0 and text[j] == '"':
                    if verbatim and text[j:j + 2] == '""': j += 2; continue
                    j += 1; break
                elif depth > 0 and text[j] == '"':  # nested plain string inside a hole
                    k = j + 1
                    while k < n and text[k] != '"':
                        k += 2 if text[k] == "\\" else 1
                    j = k
                j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^'\\])'", text[i:])
            if m: out.append(" " * m.end()); i += m.end()
            else: out.append(c); i += 1
        else:
            out.append(c); i += 1
    return "".join(out)

KEYWORDS = {"if", "for", "foreach", "while", "switch", "catch", "using", "lock", "return", "new", "fixed", "when",
            "else", "do", "try", "throw", "await", "yield", "var", "nameof", "typeof", "sizeof", "default", "base", "this", "checked", "unchecked"}
SIG = re.compile(r"^\s*(?:\[[^\]]*\]\s*)*(?:(?:public|private|protected|internal|static|async|override|virtual|sealed|"
                 r"abstract|extern|unsafe|new|partial|readonly)\s+)*(?:[\w.<>\[\],?()\s]+?\s+)?(~?\w+)\s*(?:<[^>]*>)?\s*\(")

def methods(path):
    raw = path.read_text(encoding="utf-8")
    text = strip(raw)
    lines = text.split("\n")
    offsets = [0]
    for l in lines: offsets.append(offsets[-1] + len(l) + 1)
    found, covered_until = [], -1
    for ln, line in enumerate(lines):
        if ln <= covered_until: continue
        m = SIG.match(line)
        if not m or m.group(1) in KEYWORDS: continue
        if re.match(r"^\s*(?:return|throw|await|yield|var|else|case)\b", line): continue
        if "=" in line[:m.start(1)]: continue  # an assignment, not a declaration
        if re.search(r"\b(class|record|struct|interface|enum|delegate)\b", line[:m.start(1)]): continue  # a type (primary constructor)
        # find the parameter list's closing paren, then '{' (a block body) or '=>'/';' (not a block)
        pos = offsets[ln] + line.index("(", m.end(1)); depth = 0; k = pos
        while k < len(text):
            if text[k] == "(": depth += 1
            elif text[k] == ")":
                depth -= 1
                if depth == 0: break
            k += 1
        rest = re.match(r"[^{};=]*", text[k + 1:])
        k2 = k + 1 + rest.end()
        if k2 >= len(text) or text[k2] != "{": continue
        if re.search(r"\)\s*$", text[k + 1:k2]) is None and re.search(r"\bwhere\b|:\s*(base|this)\s*\(", text[k + 1:k2]) is None and text[k + 1:k2].strip():
            continue
        depth = 0; e = k2
        while e < len(text):
            if text[e] == "{": depth += 1
            elif text[e] == "}":
                depth -= 1
                if depth == 0: break
            e += 1
        end_ln = text.count("\n", 0, e)
        found.append((ln + 1, end_ln + 1, m.group(1)))
        covered_until = end_ln  # nested local functions/lambdas count as part of this method
    return found

hits = []
for p in sorted(ROOT.rglob("*.cs")):
    if "/obj/" in str(p) or "/bin/" in str(p): continue
    for start, end, name in methods(p):
        length = end - start + 1
        if length > LIMIT: hits.append((length, str(p), start, name))
for length, p, start, name in sorted(hits, key=lambda h: (h[1], h[2])):
    print(f"{p}:{start}: {name} ({length} lines)")
print(f"{len(hits)} method(s) over {LIMIT} lines", file=sys.stderr)
