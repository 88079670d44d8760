/// The dashboard's one page (runs list and run page), its script and style; the same renderer makes `ctxevo report`'s
/// snapshot. The script is one function in several parts (Page/), each a concern of the page, sharing its scope.
public enum DashboardPage {
    public static let html: String = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>ctxevo</title>
        <style>
        \#(style)
        </style>
        <!--CTXEVO_CHARTS-->
        </head>
        <body>
        <div id="bar"><span id="brand">ctxevo</span><span id="live-status" class="live" hidden>disconnected</span></div>
        <main id="app"><p class="muted">loading…</p></main>
        <!--CTXEVO_DATA-->
        <script>
        "use strict";
        // The dashboard's page: the runs list at "/", a run's page at "/runs/{id}", and the same run page drawn from the
        // data `ctxevo report` inlines (window.CTXEVO_SNAPSHOT), without a server. Every string from the data goes in as
        // text (textContent, text nodes, attribute values, Plotly's escaped text), never as markup.
        (function () {

        \#([basics, charts, runsList, runData, runCharts, candidateTable, objectiveCharts, runDetails].joined(separator: "\n\n"))

        // ---- start ---------------------------------------------------------------------------------------------------

        function main() {
          if (!PAGE.snapshot) {
            document.getElementById("brand").replaceWith(el("a", { id: "brand", href: withToken("/") }, "ctxevo"));
          } else {
            setText("brand", "ctxevo report");
          }
          if (PAGE.view === "runs") showRunsList();
          else showRunPage();
        }

        main();
        })();
        </script>
        </body>
        </html>
        """#
}
