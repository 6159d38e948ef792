// The page of the browser test: signs in with the TypeScript client (bundled by esbuild) over
// gRPC-Web through Envoy, shows the user's name, opens a chat and shows its messages live.
// Its configuration comes from the query string: gateway, email, password.
import { HelpdeskClient } from "./helpdesk-client.js";

const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);

function showError(error) {
  $("error").textContent = `${error.code ?? ""} ${error.rawMessage ?? error.message ?? error}`;
}

async function main() {
  const client = new HelpdeskClient({ baseUrl: params.get("gateway") });
  const user = await client.signIn(params.get("email"), params.get("password"));
  $("user").textContent = user.displayName;

  const started = await client.chat.startChat({ topic: "browser", message: "Hello from the browser", requestId: crypto.randomUUID() });
  $("chat").textContent = started.chat.id;
  $("chat-status").textContent = "streaming";
  for await (const event of client.streamChat(started.chat.id)) {
    if (event.event.case === "message") {
      const item = document.createElement("li");
      item.dataset.seq = String(event.event.value.seq);
      item.textContent = event.event.value.body;
      $("messages").append(item);
    }
  }
  $("chat-status").textContent = "ended";
}

main().catch(showError);
