namespace Matchmade.Core.Reporting.Export;

/// <summary>The page's one style sheet (inline: the page must work offline and as an e-mail attachment), with print rules.</summary>
internal static class HtmlStyle
{
    public const string Css = """
        :root{--ink:#1f2328;--muted:#5b636d;--line:#d0d7de;--bg:#f6f8fa;--pass:#1a7f37;--fail:#cf222e;--unknown:#9a6700}
        *{box-sizing:border-box}
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);margin:0 auto;max-width:1180px;padding:24px 28px}
        h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}h3{font-size:15px;margin:18px 0 6px}
        .sub{color:var(--muted);margin:0}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;text-transform:uppercase;letter-spacing:.03em}
        .badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}.badge.unknown{background:var(--unknown)}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
        thead th{background:var(--bg);font-weight:600;white-space:nowrap}
        #criteria td:nth-child(1){width:150px;font-weight:600}#criteria td:nth-child(2){width:100px;white-space:nowrap}#criteria td:nth-child(3){width:330px}
        table.kv th{width:190px;color:var(--muted);font-weight:500}
        td.note,.note{color:var(--muted);font-size:12.5px}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
        .card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:var(--bg)}
        .card .num{display:block;font-size:22px;font-weight:650}.card .cap{color:var(--muted);font-size:12.5px}
        .panel{margin:0 0 16px;border:1px solid var(--line);border-radius:6px;padding:10px 12px}
        .panel figcaption h3{display:inline;margin-right:8px}
        svg.chart{display:block;max-width:100%;height:auto;margin-top:6px}
        svg .lbl,svg .fig{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:var(--ink)}svg .fig{fill:var(--muted)}
        .empty,.more,tr.more td{color:var(--muted);font-style:italic}
        details{margin:8px 0;border:1px solid var(--line);border-radius:6px;padding:6px 10px}
        summary{cursor:pointer;font-weight:600}
        bdi{unicode-bidi:isolate}
        footer{margin-top:28px;color:var(--muted);font-size:12px}
        @media print{
          body{max-width:none;padding:0;font-size:10.5pt}
          h2{break-after:avoid}.panel,tr,.card{break-inside:avoid}
          .badge{border:1px solid #000;color:#000;background:none !important}
          details{border:none;padding:0}details:not([open])>summary::after{content:" (collapsed: open it before printing to print the list)";font-weight:400}
          a{color:inherit}
        }
        """;
}
