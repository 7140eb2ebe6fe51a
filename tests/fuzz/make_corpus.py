#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ (committed; run again after changing the seeds).

frame:   client frames of every type in docs/protocol.md, valid and broken, plus topics, cursors and xid snapshots.
jwt:     a mode byte (see jwt_fuzz.cpp) then real HS256 tokens (valid, expired, wrong alg, alg none, bad signature,
         missing claims), header/payload pairs, base64url text and sub/role pairs.
phoenix: a mode byte (see phoenix_fuzz.cpp) then Phoenix frames of both vsns as realtime-js 2.119.1 sends them,
         kind-3 binary broadcasts, phx_join payloads, postgres_changes filters, presence pushes, REST broadcast bodies
         and httpSend room/event/body triples.
ws:      two header bytes (split size, message limit; see ws_fuzz.cpp) then client byte streams: masked frames of every
         opcode and length form, fragments with pings between them, close frames, and broken frames.
upgrade: HTTP requests as a client sends them: upgrades with the token in the query or in Authorization, Origin,
         Sec-WebSocket-Protocol, pipelined requests, health routes, REST broadcasts and httpSend targets, and broken
         requests.
Tokens are signed with the fuzz targets' secret and valid at their fixed time (1700000000).
"""
import base64
import hashlib
import hmac
import json
import os
import shutil

SECRET = b"fuzz-secret-with-at-least-32-characters-0123456789"
NOW = 1_700_000_000
SUB = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
THREAD = "e0000000-0000-4000-8000-000000000001"
TICKET = "a0000000-0000-4000-8000-0000000000aa"
HERE = os.path.dirname(os.path.abspath(__file__))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(header=None, payload=None, secret=SECRET, sig=None, raw_header=None, raw_payload=None) -> str:
    h = raw_header if raw_header is not None else json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode()
    p = raw_payload if raw_payload is not None else json.dumps(
        payload if payload is not None else {"sub": SUB, "role": "authenticated", "aud": "authenticated",
                                             "iat": NOW - 60, "exp": NOW + 3600}).encode()
    signing = b64(h) + "." + b64(p)
    if sig is None:
        sig = b64(hmac.new(secret, signing.encode(), hashlib.sha256).digest())
    return signing + "." + sig


VALID = token()
EXPIRED = token(payload={"sub": SUB, "role": "authenticated", "exp": NOW - 1})
TOKENS = {
    "valid": VALID,
    "valid_upper_sub": token(payload={"sub": SUB.upper(), "exp": NOW + 60}),
    "valid_float_exp": token(payload={"sub": SUB, "exp": NOW + 60.5}),
    "expired": EXPIRED,
    "exp_now": token(payload={"sub": SUB, "exp": NOW}),
    "alg_hs512": token(header={"alg": "HS512", "typ": "JWT"}),
    "alg_rs256": token(header={"alg": "RS256", "typ": "JWT"}),
    "alg_none": token(header={"alg": "none", "typ": "JWT"}, sig=""),
    "alg_none_sig": token(header={"alg": "none"}),
    "wrong_secret": token(secret=b"another-secret"),
    "no_exp": token(payload={"sub": SUB}),
    "exp_string": token(payload={"sub": SUB, "exp": str(NOW + 60)}),
    "no_sub": token(payload={"exp": NOW + 60}),
    "sub_not_uuid": token(payload={"sub": "admin", "exp": NOW + 60}),
    "payload_array": token(raw_payload=b"[1,2]"),
    "header_not_json": token(raw_header=b"{alg:HS256"),
    "padded": VALID + "==",
    "two_parts": VALID.rsplit(".", 1)[0],
    "four_parts": VALID + ".x",
    "std_base64": VALID.replace("-", "+").replace("_", "/"),
}


def write(target: str, name: str, data) -> None:
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(HERE, "corpus", target, name), "wb") as f:
        f.write(data)


def frames() -> None:
    seeds = {
        "subscribe": {"type": "subscribe", "ref": "1", "topic": f"thread:{THREAD}"},
        "subscribe_since_str": {"type": "subscribe", "ref": "1", "topic": f"thread:{THREAD}", "since": "0"},
        "subscribe_since_int": {"type": "subscribe", "topic": f"thread:{THREAD}", "since": 41},
        "subscribe_ticket": {"type": "subscribe", "topic": f"ticket:{TICKET}"},
        "subscribe_user": {"type": "subscribe", "topic": f"user:{SUB}"},
        "subscribe_bad_topic": {"type": "subscribe", "topic": "room:1"},
        "subscribe_neg_since": {"type": "subscribe", "topic": f"thread:{THREAD}", "since": -1},
        "unsubscribe": {"type": "unsubscribe", "ref": "2", "topic": f"thread:{THREAD}"},
        "send": {"type": "send", "ref": "3", "thread_id": THREAD, "content": "hello", "client_msg_id": "c-1"},
        "send_full": {"type": "send", "ref": "3", "thread_id": THREAD.upper(), "content": "héllo \u2603",
                      "message_type": "image", "metadata": {"url": "https://x/y.png", "n": [1, {"a": None}]},
                      "client_msg_id": "c-2"},
        "send_bad_type": {"type": "send", "thread_id": THREAD, "content": "x", "message_type": "video"},
        "send_nul": {"type": "send", "thread_id": THREAD, "content": "a\u0000b"},
        "send_meta_nul_key": {"type": "send", "thread_id": THREAD, "content": "a", "metadata": {"k\u0000": 1}},
        "send_meta_array": {"type": "send", "thread_id": THREAD, "content": "a", "metadata": [1]},
        "send_empty": {"type": "send", "thread_id": THREAD, "content": ""},
        "history": {"type": "history", "ref": "4", "thread_id": THREAD, "limit": 5},
        "history_before": {"type": "history", "thread_id": THREAD, "before": "31", "limit": 200},
        "history_limit0": {"type": "history", "thread_id": THREAD, "limit": 0},
        "typing": {"type": "typing", "thread_id": THREAD},
        "thread_create": {"type": "thread.create", "ref": "5", "title": "Brakes", "ticket_id": TICKET,
                          "assistant": False},
        "thread_create_empty": {"type": "thread.create"},
        "thread_update": {"type": "thread.update", "ref": "6", "thread_id": THREAD, "title": "t", "assistant": True},
        "threads_list": {"type": "threads.list", "ref": "7", "limit": 10, "before": "opaque-token"},
        "assistant_cancel": {"type": "assistant.cancel", "ref": "8", "thread_id": THREAD},
        "auth": {"type": "auth", "ref": "9", "access_token": VALID},
        "ping": {"type": "ping", "ref": "10"},
        "ping_null_ref": {"type": "ping", "ref": None},
        "unknown_type": {"type": "dance", "ref": "11"},
        "type_number": {"type": 7},
        "ref_long": {"type": "ping", "ref": "r" * 65},
        "ref_64_non_ascii": {"type": "ping", "ref": "\u00e9" * 64},
        "ref_65_non_ascii": {"type": "ping", "ref": "\u00e9" * 65},
        "title_200_chars": {"type": "thread.create", "title": "\u6f22" * 200},
        "client_msg_id_128_chars": {"type": "send", "thread_id": THREAD, "content": "x", "client_msg_id": "\u00e9" * 128},
        "client_msg_id_nul": {"type": "send", "thread_id": THREAD, "content": "x", "client_msg_id": "a\u0000b"},
        "big_int": {"type": "history", "thread_id": THREAD, "before": 18446744073709551615},
    }
    for name, obj in seeds.items():
        write("frame", name + ".json", json.dumps(obj, ensure_ascii=False))
    raw = {
        "not_object": "[1,2,3]",
        "empty": "",
        "garbage": "{\"type\":\"ping\"} trailing",
        "bad_utf8": b"{\"type\":\"send\",\"content\":\"\xff\xfe\"}",
        "deep": "[" * 33 + "]" * 33,
        "deep_meta": "{\"type\":\"send\",\"thread_id\":\"" + THREAD + "\",\"content\":\"x\",\"metadata\":" +
                     "{\"a\":" * 31 + "1" + "}" * 31 + "}",
        "dup_keys": "{\"type\":\"ping\",\"type\":\"send\"}",
        "escapes": "{\"type\":\"p\\u0069ng\",\"ref\":\"\\ud83d\\ude00\"}",
        "fraction": "{\"type\":\"history\",\"thread_id\":\"" + THREAD + "\",\"limit\":1.5}",
        "topic_thread": "thread:" + THREAD,
        "topic_upper": "ticket:" + TICKET.upper(),
        "cursor": "42",
        "cursor_zeros": "0007",
        "cursor_max": "9223372036854775807",
        "cursor_over": "9223372036854775808",
        "cursor_neg_zero": "-0",
        "xid_snapshot": "100:105:100,102",
        "xid_snapshot_quiet": "1929:1929:",
        "xid_snapshot_max": "18446744073709551614:18446744073709551615:18446744073709551614",
    }
    for name, data in raw.items():
        write("frame", name + ".txt", data)


def jwts() -> None:
    for name, t in TOKENS.items():
        write("jwt", "token_" + name, b"\x00" + t.encode())
    pairs = {
        "hs256": ('{"alg":"HS256","typ":"JWT"}', '{"sub":"%s","exp":%d,"role":"technician"}' % (SUB, NOW + 60)),
        "exp_float": ('{"alg":"HS256"}', '{"sub":"%s","exp":1.7e10}' % SUB),
        "exp_huge": ('{"alg":"HS256"}', '{"sub":"%s","exp":1e300}' % SUB),
        "exp_neg": ('{"alg":"HS256"}', '{"sub":"%s","exp":-1e300}' % SUB),
        "exp_nan_like": ('{"alg":"HS256"}', '{"sub":"%s","exp":18446744073709551615}' % SUB),
        "alg_none": ('{"alg":"none"}', '{"sub":"%s","exp":%d}' % (SUB, NOW + 60)),
        "alg_number": ('{"alg":256}', '{}'),
        "header_array": ('[]', '{}'),
        "role_object": ('{"alg":"HS256"}', '{"sub":"%s","exp":%d,"role":{"x":1}}' % (SUB, NOW + 60)),
    }
    for name, (h, p) in pairs.items():
        write("jwt", "pair_" + name, b"\x01" + h.encode() + b"\n" + p.encode())
    for name, text in {"b64_valid": VALID.split(".")[2], "b64_one_char": "A", "b64_pad": "QQ==",
                       "b64_std": "+/+/", "b64_two": "QQ"}.items():
        write("jwt", name, b"\x02" + text.encode())
    for name, text in {"mint_sub": SUB, "mint_upper": SUB.upper() + "\nadmin", "mint_role_escapes":
                       SUB + "\nline\n\"quoted\"\\\t\x01", "mint_bad_sub": "not-a-uuid\nrole",
                       "mint_bad_utf8": SUB + "\n\xff"}.items():
        write("jwt", name, b"\x03" + text.encode("latin-1"))


def http_requests() -> None:
    def upgrade(target, extra=""):
        return ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n") % (target, extra)

    enc = "".join("%2E" if c == "." else c for c in VALID)
    seeds = {
        "ws_query": upgrade("/v1/ws?access_token=" + VALID),
        "ws_query_encoded": upgrade("/v1/ws?x=1&access_token=" + enc + "&y=2"),
        "ws_bearer": upgrade("/v1/ws", "Authorization: Bearer " + VALID + "\r\n"),
        "ws_bearer_lower": upgrade("/v1/ws", "Authorization: bearer " + VALID + "\r\n"),
        "ws_subprotocol": upgrade("/v1/ws?access_token=" + VALID, "Sec-WebSocket-Protocol: chat, techpulse.v1\r\n"),
        "ws_origin_ok": upgrade("/v1/ws?access_token=" + VALID, "Origin: https://app.techpulse.example\r\n"),
        "ws_origin_bad": upgrade("/v1/ws?access_token=" + VALID, "Origin: https://evil.example\r\n"),
        "ws_expired": upgrade("/v1/ws?access_token=" + EXPIRED),
        "ws_none_alg": upgrade("/v1/ws?access_token=" + TOKENS["alg_none"]),
        "ws_no_token": upgrade("/v1/ws"),
        "ws_empty_token": upgrade("/v1/ws?access_token="),
        "ws_no_upgrade": "GET /v1/ws?access_token=%s HTTP/1.1\r\nHost: x\r\n\r\n" % VALID,
        "healthz": "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "readyz_10": "GET /readyz HTTP/1.0\r\n\r\n",
        "not_found": "GET /nope?access_token=abc HTTP/1.1\r\nHost: x\r\n\r\n",
        "pipelined": "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n" +
                     upgrade("/v1/ws?access_token=" + VALID),
        "post_body": "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
                     "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "chunked": "POST /v1/ws HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "phoenix_v2": upgrade("/realtime/v1/websocket?apikey=sb_publishable_x&vsn=2.0.0"),
        "phoenix_no_key": upgrade("/realtime/v1/websocket?vsn=1.0.0"),
        "phoenix_bad_vsn": upgrade("/realtime/v1/websocket?apikey=k&vsn=9"),
        "bad_request_line": "GET\r\n\r\n",
        "bad_version": "GET /healthz HTTP/9.9\r\n\r\n",
        "bad_header": "GET /healthz HTTP/1.1\r\nHost x\r\n\r\n",
        "bare_lf": "GET /healthz HTTP/1.1\nHost: x\n\n",
        "truncated": upgrade("/v1/ws?access_token=" + VALID)[:60],
        "ws_key_short": upgrade("/v1/ws?access_token=" + VALID).replace("dGhlIHNhbXBsZSBub25jZQ==", "abc"),
        "ws_key_17_bytes": upgrade("/v1/ws?access_token=" + VALID).replace("dGhlIHNhbXBsZSBub25jZQ==",
                                                                          "dGhlIHNhbXBsZSBub25jZSE="),
        "ws_key_missing": upgrade("/v1/ws?access_token=" + VALID).replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""),
        "huge_content_length": "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "rest_broadcast": "POST /realtime/v1/api/broadcast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          "Content-Length: 65\r\n\r\n" + '{"messages":[{"topic":"r","event":"e","payload":{},"private":1}]}',
        "http_send": "POST /realtime/v1/api/broadcast/thread%3A" + THREAD + "/events/cursor%20pos?apikey=k&vsn=2.0.0"
                     "&private=true HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n"
                     '{"x":1}',
        "http_send_binary": "POST /realtime/v1/api/broadcast/r/events/e?persist%5Bttl%5D=5 HTTP/1.1\r\nHost: x\r\n"
                            "Content-Type: application/octet-stream\r\nContent-Length: 2\r\n\r\nab",
        "http_send_short": "POST /realtime/v1/api/broadcast/r/events/ HTTP/1.1\r\nHost: x\r\n\r\n",
    }
    for name, data in seeds.items():
        write("upgrade", name + ".http", data)


def phoenix() -> None:
    def kind3(jr: bytes, ref: bytes, topic: bytes, event: bytes, meta: bytes, enc: int, payload: bytes) -> bytes:
        return bytes([3, len(jr), len(ref), len(topic), len(event), len(meta), enc]) + jr + ref + topic + event + meta + payload

    join = {"config": {"broadcast": {"ack": False, "self": False}, "presence": {"key": "", "enabled": False},
                       "postgres_changes": [{"event": "INSERT", "schema": "public", "table": "chat_messages",
                                             "filter": "thread_id=eq." + THREAD}], "private": False},
            "access_token": VALID, "version": "realtime-js/2.119.1"}
    seeds = {
        "v1_join": (0, json.dumps({"topic": "realtime:room1", "event": "phx_join", "payload": join, "ref": "1",
                                   "join_ref": "1"})),
        "v1_heartbeat": (0, '{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"2"}'),
        "v1_broadcast": (0, '{"topic":"realtime:room1","event":"broadcast","payload":{"type":"broadcast",'
                            '"event":"cursor","payload":{"x":1}},"ref":"3","join_ref":"1"}'),
        "v2_join": (1, json.dumps(["1", "1", "realtime:room1", "phx_join", join])),
        "v2_heartbeat": (1, '[null,"9","phoenix","heartbeat",{}]'),
        "v2_leave": (1, '["1","10","realtime:room1","phx_leave",{}]'),
        "v2_access_token": (1, json.dumps(["1", "7", "realtime:room1", "access_token", {"access_token": VALID}])),
        "v2_presence": (1, '["1","8","realtime:room1","presence",{"type":"presence","event":"track","payload":{"a":1}}]'),
        "v2_short": (1, '["1","2","t","e"]'),
        "v2_deep": (1, '["1","2","t","e",' + "[" * 80 + "]" * 80 + "]"),
        "bin_kind3": (2, kind3(b"6", b"7", b"realtime:room1", b"cursor", b"", 1, '{"x":2,"y":"é"}'.encode())),
        "bin_raw_meta": (2, kind3(b"1", b"2", b"realtime:r", b"e", b'{"persist":true}', 0, b"\x00\xff")),
        "bin_truncated": (2, kind3(b"6", b"7", b"realtime:room1", b"cursor", b"", 1, b"{}")[:12]),
        "bin_kind0": (2, bytes([0, 1, 1, 1, 1]) + b"1" + b"2" + b"t" + b"e" + b"{}"),
        "join_full": (3, json.dumps(join)),
        "join_strings": (3, '{"config":{"broadcast":{"ack":"true","self":"false"},"private":"true",'
                            '"postgres_changes":[{"event":"*","schema":"public","table":"*","id":3,"since":"4"}]}}'),
        "join_bad": (3, '{"config":{"postgres_changes":{}}}'),
        "filter_eq": (4, "thread_id=eq." + THREAD),
        "filter_and": (4, "id=gt.0,id=lt.100,done=is.true"),
        "filter_in": (4, 'name=in.("a,b",x,"q\\"uote"),score=not.in.(1,2)'),
        "filter_like": (4, "name=like.*x*"),
        "filter_unbalanced": (4, 'name=eq."open'),
        "filter_instant": (4, 'name=gt.2025-12-02T13:40:00.123Z,gone=in.(2025-12-02,"2025-12-02 13:40:00.5+05:30")'),
        "instant_row": (4, "2025-12-02T13:40:00.123456+00:00"),
        "presence_track": (5, '{"type":"presence","event":"track","payload":{"online":true,"phx_ref":"x"}}'),
        "presence_untrack": (5, '{"type":"presence","event":"untrack"}'),
        "presence_bad": (5, '{"type":"presence","event":"track","payload":[1]}'),
        "channels_session": (6, "\n".join([
            '[null,"1","phoenix","heartbeat",{}]',
            json.dumps(["2", "2", "realtime:room1", "phx_join", join]),
            '["2","3","realtime:room1","broadcast",{"type":"broadcast","event":"c","payload":{}}]',
            '["2","4","realtime:room1","presence",{"type":"presence","event":"track","payload":{"a":1}}]',
            json.dumps(["5", "5", "realtime:room1", "phx_join", {}]),
            '["5","6","realtime:room1","phx_leave",{}]',
            '["5","7","realtime:room1","broadcast",{"event":"late"}]',
            '["8","8","other:x","phx_join",{}]'])),
        "rest_batch": (7, json.dumps({"messages": [{"topic": "thread:" + THREAD, "event": "note", "payload": {"n": 1},
                                                    "private": True}, {"topic": "r", "event": "e"}]})),
        "rest_bad_private": (7, '{"messages":[{"topic":"r","event":"e","private":"yes"}]}'),
        "rest_big": (7, '{"messages":[{"topic":"r","event":"e","payload":"' + "x" * 1100 + '"}]}'),
        "http_send_json": (8, "room1\ncursor\n" + '{"x": [1, 2]}'),
        "http_send_raw": (8, b"r\ne\n\x00\xff\x01"),
        "http_send_bad_json": (8, "room\ne\n{"),
    }
    for name, (mode, data) in seeds.items():
        body = data if isinstance(data, bytes) else data.encode()
        write("phoenix", name, bytes([mode]) + body)


def ws_streams() -> None:
    def frame(first: int, payload: bytes, mask: bytes = b"\x37\xfa\x21\x3d", masked: bool = True) -> bytes:
        n = len(payload)
        m = 0x80 if masked else 0
        if n < 126:
            head = bytes([first, m | n])
        elif n < 65536:
            head = bytes([first, m | 126]) + n.to_bytes(2, "big")
        else:
            head = bytes([first, m | 127]) + n.to_bytes(8, "big")
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload)) if masked else payload
        return head + (mask if masked else b"") + body

    ping = b'{"type":"ping","ref":"p"}'
    seeds = {
        "text": frame(0x81, ping),
        "binary": frame(0x82, b"\x00\x01\x02"),
        "len16": frame(0x81, b" " * 300),
        "len64": frame(0x82, b"z" * 70000),
        "fragments": frame(0x01, b"Hel") + frame(0x89, b"mid") + frame(0x00, b"lo") + frame(0x80, b"!"),
        "ping_pong": frame(0x89, b"x") + frame(0x8A, b""),
        "close": frame(0x88, (1000).to_bytes(2, "big") + b"bye"),
        "close_empty": frame(0x88, b""),
        "close_bad_code": frame(0x88, (1005).to_bytes(2, "big")),
        "unmasked": frame(0x81, ping, masked=False),
        "rsv": frame(0xC1, ping),
        "bad_utf8": frame(0x81, b"\xff\xfe"),
        "utf8_split": frame(0x01, "é".encode()[:1]) + frame(0x80, "é".encode()[1:]),
        "many": b"".join(frame(0x81, ping) for _ in range(20)),
    }
    for name, data in seeds.items():
        write("ws", name, bytes([7, 255 if len(data) > 16000 else 200]) + data)


def main() -> None:
    for target in ("frame", "jwt", "upgrade", "phoenix", "ws"):
        d = os.path.join(HERE, "corpus", target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    frames()
    jwts()
    http_requests()
    phoenix()
    ws_streams()


if __name__ == "__main__":
    main()
