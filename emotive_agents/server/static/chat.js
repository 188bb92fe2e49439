// The emotive-agents chat page: streams replies from /v1/chat/completions (SSE) and shows, per turn,
// the user's affect reading and the emotion mix that steered the reply. No build step, no dependencies.
"use strict";

const state = { history: [], model: null, busy: false };
const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function fmt(value) { return (value >= 0 ? "+" : "") + value.toFixed(2); }

async function loadConfig() {
  const response = await fetch("/v1/emotions");
  const config = await response.json();
  state.model = config.model;
  $("model").textContent = config.model;
  const policy = $("policy");
  for (const name of config.policies.length ? config.policies : [config.default_policy]) {
    const option = el("option", null, name);
    option.value = name;
    option.selected = name === config.default_policy;
    policy.appendChild(option);
  }
  const sliders = $("sliders");
  for (const emotion of config.emotions) {
    const row = el("label", "slider");
    const value = el("span", "value", "0.00");
    const input = el("input");
    Object.assign(input, { type: "range", min: "-1.5", max: "1.5", step: "0.05", value: "0" });
    input.dataset.emotion = emotion;
    input.addEventListener("input", () => {
      value.textContent = fmt(parseFloat(input.value));
      $("mode-manual").checked = true;
    });
    row.append(el("span", null, emotion), input, value);
    sliders.appendChild(row);
  }
}

function manualMix() {
  const mix = {};
  for (const input of document.querySelectorAll("#sliders input[type=range]")) {
    const value = parseFloat(input.value);
    if (value !== 0) mix[input.dataset.emotion] = value;
  }
  return mix;
}

function renderReading(container, decision) {
  container.replaceChildren();
  if (!decision || !decision.reading) return;
  const entries = Object.entries(decision.reading).sort((a, b) => b[1] - a[1]).slice(0, 4);
  for (const [label, p] of entries) {
    const bar = el("div", "bar");
    const fill = el("span");
    fill.style.width = `${Math.round(p * 100)}%`;
    bar.appendChild(fill);
    container.append(el("span", "label", label), bar, el("span", "p", `${Math.round(p * 100)}%`));
  }
  container.title = decision.rationale || "";
}

function renderMix(container, emotive) {
  container.replaceChildren();
  const source = { router: `auto · ${emotive.policy}`, request: "manual", none: "unsteered" }[emotive.source];
  container.appendChild(el("span", "chip source", source || emotive.source));
  if (emotive.decision && emotive.decision.crisis) container.appendChild(el("span", "chip crisis", "crisis"));
  const entries = Object.entries(emotive.mix || {});
  if (!entries.length) container.appendChild(el("span", "chip", "no steering"));
  for (const [name, value] of entries) {
    container.appendChild(el("span", `chip mix-chip ${value >= 0 ? "pos" : "neg"}`, `${name} ${fmt(value)}`));
  }
  if (emotive.decision) container.title = emotive.decision.rationale;
  const replyReading = emotive.reply_reading;  // the reply's own reading, on the stream's final chunks
  if (replyReading) {
    const p = replyReading.probabilities[replyReading.label] || 0;
    const chip = el("span", "chip reply-reading", `reply reads ${replyReading.label} ${Math.round(p * 100)}%`);
    chip.title = `valence ${fmt(replyReading.valence)}`;
    container.appendChild(chip);
  }
  if (emotive.monitor && emotive.monitor.retried) container.appendChild(el("span", "chip", "retried"));
}

async function* sseEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of block.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        yield JSON.parse(data);
      }
    }
  }
}

async function send(text) {
  state.busy = true;
  $("send").disabled = true;
  const turn = el("div", "turn");
  const user = el("div", "msg user", text);
  const reading = el("div", "reading");
  const assistant = el("div", "msg assistant", "");
  const mixRow = el("div", "meta mix");
  turn.append(user, reading, assistant, mixRow);
  $("messages").appendChild(turn);
  state.history.push({ role: "user", content: text });

  const manual = $("mode-manual").checked;
  const body = {
    model: state.model,
    messages: state.history,
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: parseInt($("max-tokens").value, 10) || 64,
    emotion: manual ? manualMix() : "auto",
    policy: $("policy").value || undefined,
    emotive_reading: manual && $("reading-toggle").checked,
    trim_to_sentence: true,  // a reply cut by max_tokens ends on its last whole sentence
  };
  let reply = "";
  try {
    const response = await fetch("/v1/chat/completions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const error = await response.json().catch(() => ({ error: { message: response.statusText } }));
      throw new Error(error.error ? error.error.message : response.statusText);
    }
    for await (const chunk of sseEvents(response)) {
      if (chunk.error) throw new Error(chunk.error.message);
      if (chunk.emotive) {
        renderReading(reading, chunk.emotive.decision);
        renderMix(mixRow, chunk.emotive);
      }
      for (const choice of chunk.choices || []) {
        if (choice.delta && choice.delta.content) {
          reply += choice.delta.content;
          assistant.textContent = reply;
        }
      }
      if (chunk.usage) {
        const trimmed = chunk.usage.trimmed ? " (trimmed to a sentence)" : "";
        mixRow.appendChild(el("span", "chip", `${chunk.usage.completion_tokens} tokens${trimmed}`));
      }
      $("messages").scrollTop = $("messages").scrollHeight;
    }
    state.history.push({ role: "assistant", content: reply });
    assistant.classList.add("done");
  } catch (error) {
    assistant.className = "msg error";
    assistant.textContent = `error: ${error.message}`;
    state.history.pop();
  } finally {
    state.busy = false;
    $("send").disabled = false;
  }
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("input").value.trim();
  if (!text || state.busy) return;
  $("input").value = "";
  send(text);
});
$("input").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});
$("reset").addEventListener("click", () => {
  state.history = [];
  $("messages").replaceChildren();
});
loadConfig().catch((error) => { $("model").textContent = `cannot reach the server: ${error.message}`; });
