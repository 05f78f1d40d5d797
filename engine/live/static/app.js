// Photoplay live: the page. WebRTC in (audio + video), commands out over HTTP, events over a WebSocket.
"use strict";
const token = new URLSearchParams(location.search).get("token");
const $ = (id) => document.getElementById(id);
const video = $("video");
const headers = { "Content-Type": "application/json" };
if (token) headers["X-Photoplay-Token"] = token;
const photoplay = (window.photoplay = { pc: null, stream: null, video, events: [], info: null });

async function post(path, body) {
  const response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body || {}) });
  const answer = await response.json();
  if (!response.ok) {
    const e = answer.error || {};
    $("error").textContent = `${e.message || response.status}${e.hint ? ` (${e.hint})` : ""}`;
  } else {
    $("error").textContent = "";
  }
  return { status: response.status, body: answer };
}
photoplay.post = post;

function status(text) { $("status").textContent = text; }

async function connect() {
  const pc = new RTCPeerConnection();
  photoplay.pc = pc;
  const stream = new MediaStream();
  photoplay.stream = stream;
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  pc.ontrack = (event) => {
    stream.addTrack(event.track);
    if (video.srcObject === stream) return;
    video.srcObject = stream;
    video.play().catch((error) => {
      if (error.name !== "NotAllowedError") return;
      // the browser wants a click before sound: play muted, offer the click
      video.muted = true;
      video.play();
      $("start").style.display = "block";
    });
  };
  pc.onconnectionstatechange = () => {
    status(`connection: ${pc.connectionState}`);
    if (pc.connectionState === "failed" || pc.connectionState === "disconnected") {
      pc.close();
      setTimeout(connect, 1000);
    }
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
    setTimeout(resolve, 2000);
  });
  const answer = await post("offer", { sdp: pc.localDescription.sdp, type: pc.localDescription.type });
  if (answer.status !== 200) { status(`refused: ${answer.body.error.message}`); return; }
  await pc.setRemoteDescription(answer.body);
}

function line(id) {
  let li = document.querySelector(`#transcript li[data-line="${id}"]`);
  if (!li) {
    li = document.createElement("li");
    li.dataset.line = id;
    $("transcript").appendChild(li);
  }
  return li;
}

function listen() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const query = token ? `?token=${encodeURIComponent(token)}` : "";
  const ws = new WebSocket(`${scheme}://${location.host}/events${query}`);
  ws.onmessage = (message) => {
    const event = JSON.parse(message.data);
    event.received = performance.now();
    photoplay.events.push(event);
    if (photoplay.events.length > 1000) photoplay.events.shift();
    if (event.event === "speech_started") {
      const li = line(event.line);
      li.textContent = event.text;
      li.className = "speaking";
    } else if (event.event === "speech_ended") {
      line(event.line).className = event.interrupted ? "interrupted" : "";
    } else if (event.event === "dropped") {
      line(event.line).className = "dropped";
    } else if (event.event === "error") {
      $("error").textContent = event.message;
    } else if (event.event === "ended") {
      status(event.video ? `show ended; recorded ${event.video}` : "show ended");
    }
  };
  ws.onclose = () => setTimeout(listen, 1000);
}

async function setup() {
  const info = await (await fetch(`info${token ? `?token=${encodeURIComponent(token)}` : ""}`)).json();
  photoplay.info = info;
  $("title").textContent = info.name || info.character;
  for (const mood of info.moods) {
    const option = document.createElement("option");
    option.value = option.textContent = mood;
    $("mood").appendChild(option);
    const button = document.createElement("button");
    button.textContent = mood;
    button.onclick = () => post("emote", { expression: mood });
    $("moods").appendChild(button);
  }
  const past = await (await fetch(`transcript${token ? `?token=${encodeURIComponent(token)}` : ""}`)).json();
  for (const entry of past.lines) {
    const li = line(entry.line);
    li.textContent = entry.text;
    li.className = entry.status === "speaking" ? "speaking" : entry.status === "interrupted" ? "interrupted" : "";
  }
}

$("say").onsubmit = async (event) => {
  event.preventDefault();
  const text = $("text").value;
  const answer = await post("say", { text, mood: $("mood").value });
  if (answer.status === 202) $("text").value = "";
};
$("interrupt").onclick = () => post("interrupt", {});
$("end").onclick = () => post("end", {});
$("start").onclick = () => { video.muted = false; video.play(); $("start").style.display = "none"; };

setup().then(listen).then(connect).catch((error) => status(`error: ${error}`));
