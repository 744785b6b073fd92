// Transports to the JSON API: HTTP with the run's token (the page) or widget messages.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `request failed (${status})`);
    this.status = status;
    this.body = body;
  }
}

function pathWithQuery(path, query) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export function httpTransport(token) {
  return async function request(method, path, { body, query } = {}) {
    const response = await fetch(pathWithQuery(path, query), {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      cache: "no-store",
    });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  };
}

export function messageTransport(model) {
  let next = 0;
  const waiting = new Map();
  model.on("msg:custom", (msg) => {
    if (!msg || msg.kind !== "reply" || !waiting.has(msg.id)) return;
    const { resolve, reject } = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.status >= 400) reject(new ApiError(msg.status, msg.body));
    else resolve(msg.body);
  });
  return function request(method, path, { body, query } = {}) {
    const id = ++next;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      model.send({ kind: "request", id, method, path, query: query || {}, body: body ?? null });
    });
  };
}

export function segment(value) {
  return encodeURIComponent(value);
}
