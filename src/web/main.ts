import { RunView } from "./run-view.js";
import { RunsList } from "./runs-list.js";

// The web view of the local emulator's runs. Routes live in the fragment (#/ and #/runs/<id>), which never
// reaches the server, so a reload or a shared address reopens the same view with the same session cookie.

interface View {
  destroy(): void;
}

const main = document.getElementById("main");
let current: View | undefined;

function route(): void {
  if (main === null) return;
  // After a navigation inside the page, focus goes to the new view's heading, as it would on a page load.
  const focus = current !== undefined;
  current?.destroy();
  const run = /^#\/runs\/([^/]+)$/.exec(location.hash);
  let runId: string | undefined;
  try {
    runId = run === null ? undefined : decodeURIComponent(run[1]!);
  } catch {
    runId = undefined;
  }
  current = runId === undefined ? new RunsList(main, focus) : new RunView(main, runId, focus);
}

// The one-time token has done its work (the cookie is set): it leaves the address bar and the history entry.
if (new URLSearchParams(location.search).has("token")) {
  history.replaceState(null, "", `${location.pathname}${location.hash}`);
}
window.addEventListener("hashchange", route);
route();
