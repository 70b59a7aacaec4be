#!/usr/bin/env python3
"""The web page of `vigil run` in a real browser: Debian's Chromium, headless, driven by Selenium (chromedriver).

Starts GStreamer's RTSP server (scripts/testbed/rtsp_server.py) and `vigil run` with two cameras (the server's
moving-ball test pattern, and a dead one), opens the page and checks: the grid shows both cameras' states and the
good camera's live picture; a new alert (caused by POST /api/reload) appears in the list without a page reload;
the event view opens with the zone/line overlay, and plays the event's clip (the video element reaches a
readyState with data) when the daemon records clips; the page at phone width. Screenshots go to the folder it
prints (CI keeps it as an artifact). Exit status 0 when every check passed.

usage: scripts/test_page.py [--vigil .build/debug/vigil] [--out DIR]
"""
import argparse, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def wait_for(condition, timeout, poll=0.1):
    """Polls `condition` until it returns a truthy value (returned) or `timeout` seconds pass (None)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            v = condition()
            if v:
                return v
        except Exception:
            pass
        time.sleep(poll)
    return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def config(alerts, rtsp_port, dead_port, extra):
    return f"""alerts:
  path: {alerts}
cameras:
  - name: good
    url: rtsp://127.0.0.1:{rtsp_port}/test
    zones:
      - name: door
        polygon: [[40, 40], [300, 40], [300, 250], [40, 250]]
    lines:
      - name: gate
        from: [0, 300]
        to: [640, 280]
  - name: broken
    url: rtsp://127.0.0.1:{dead_port}/none
stream:
  open_timeout_s: 3
  read_timeout_s: 2
  no_frames_timeout_s: 2
  reconnect_initial_s: 0.2
  reconnect_max_s: 1
detect:
  fps: 5
api:
  listen: 127.0.0.1:0
{extra}"""


def records_clips(vigil, work):
    """True when this build knows `record:` (event clips): then the page test records and plays a clip."""
    path = os.path.join(work, "probe.yaml")
    with open(path, "w") as f:
        f.write("cameras:\n  - name: x\n    url: rtsp://127.0.0.1:1/x\nrecord:\n  enabled: true\n  dir: " + work + "/rec\n")
    return subprocess.run([vigil, "check", path], capture_output=True).returncode == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", default=os.path.join(ROOT, ".build/debug/vigil"))
    ap.add_argument("--out", default=os.path.join(ROOT, ".ci/page-screenshots"))
    args = ap.parse_args()
    args.vigil = os.path.abspath(args.vigil)
    os.makedirs(args.out, exist_ok=True)
    print("screenshots:", os.path.abspath(args.out), flush=True)
    work = tempfile.mkdtemp(prefix="vigil-page-")
    alerts = os.path.join(work, "alerts.jsonl")
    rtsp_port, dead_port = free_port(), free_port()
    clips = records_clips(args.vigil, work)
    extra = f"record:\n  enabled: true\n  dir: {work}/recordings\n  pre_roll_s: 1\n  post_roll_s: 1\n" if clips else ""
    cfg = os.path.join(work, "vigil.yaml")
    with open(cfg, "w") as f:
        f.write(config(alerts, rtsp_port, dead_port, extra))
    procs = []
    driver = None
    try:
        rtsp = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "scripts/testbed/rtsp_server.py"), str(rtsp_port),
                                 os.path.join(work, "none.264"), str(free_port())],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(rtsp)
        err = open(os.path.join(work, "vigil.stderr"), "w+")
        # The default detectors run (faces and people): their shipped models are the checkout's samples/models.
        env = dict(os.environ, VIGIL_MODELS=os.path.join(ROOT, "samples/models"))
        daemon = subprocess.Popen([args.vigil, "run", "--config", cfg], stdout=subprocess.DEVNULL, stderr=err, cwd=work,
                                  env=env)
        procs.append(daemon)

        def logged():
            err.flush()
            with open(err.name) as f:
                return f.read()

        url = wait_for(lambda: (re.search(r"web page on (http://\S+/)", logged()) or [None, None])[1], 20)
        check(url is not None, "vigil run prints the page's URL")
        if url is None:
            print(logged())
            return 1

        def alerts_now():
            try:
                with open(alerts) as f:
                    return [json.loads(l) for l in f if l.strip()]
            except FileNotFoundError:
                return []

        check(wait_for(lambda: any(a["event"] == "stream_up" and a["camera"] == "good" for a in alerts_now()), 30),
              "the good camera is up")
        opts = Options()
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
                  "--autoplay-policy=no-user-gesture-required"]:
            opts.add_argument(a)
        opts.binary_location = "/usr/bin/chromium"
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        driver.get(url)
        js = driver.execute_script
        states = wait_for(lambda: (lambda s: s if s.get("good") == "up" and s.get("broken") in ("down", "reconnecting") else None)(
            js("const o={}; document.querySelectorAll('.cam').forEach(c=>o[c.dataset.camera]=c.dataset.state); return o;")), 20)
        check(states is not None, f"the grid shows both cameras' states: {states}")
        check(wait_for(lambda: js("const i=document.querySelector('[data-camera=good] img'); return i && i.naturalWidth > 0;"), 20),
              "the good camera's live picture shows")
        check(wait_for(lambda: js("return document.querySelectorAll('[data-camera=good] svg polygon').length") == 1, 10),
              "the grid draws the camera's zone")
        driver.save_screenshot(os.path.join(args.out, "1-grid.png"))

        # A new alert arrives without a reload: the page's window keeps a marker, the list gains the alert.
        js("window.__vigilMarker = 42;")
        before = js("return document.querySelectorAll('#events li').length")
        req = urllib.request.Request(url + "api/reload", method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            check(r.status == 200, "POST /api/reload answers 200")
        row = wait_for(lambda: js("""const li=[...document.querySelectorAll('#events li')]
            .find(l => l.textContent.includes('config_reloaded')); return li ? li.dataset.id : null;"""), 5)
        check(row is not None, "the config_reloaded alert appears in the list")
        check(js("return window.__vigilMarker") == 42 and js("return document.querySelectorAll('#events li').length") > before,
              "…without a page reload")
        driver.save_screenshot(os.path.join(args.out, "2-live-event.png"))

        # The event view: a clip (when recording) with the player, else the event's details.
        if clips:
            clip_event = wait_for(lambda: next((a for a in reversed(alerts_now()) if a.get("clip")), None), 60)
            check(clip_event is not None, "an event with a clip was recorded")
            ev_id = wait_for(lambda: js("""return fetch('/api/events?limit=200').then(r=>r.json()).then(d=>{
                const e=d.events.find(e=>e.clip); return e ? e.id : null; })"""), 20)
            check(ev_id is not None, "the API lists the event with its clip")
            if ev_id:
                js(f"location.hash = '#event/{ev_id}'")
                ready = wait_for(lambda: js("const v=document.getElementById('ev-clip'); return v.readyState >= 2 ? v.readyState : 0"), 20)
                check(ready is not None, f"the clip player reaches readyState {ready} (HAVE_CURRENT_DATA or more)")
        else:
            print("note: this build has no `record:` section (recording not merged): the clip player is not exercised")
            js(f"location.hash = '#event/{row}'")
            check(wait_for(lambda: "config_reloaded" in js("return document.getElementById('ev-title').textContent"), 10),
                  "the event view opens")
        driver.save_screenshot(os.path.join(args.out, "3-event.png"))

        # The OpenAPI document against this server (scripts/check_openapi.py).
        r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/check_openapi.py"), url, "good"])
        check(r.returncode == 0, "the server matches its OpenAPI document")

        # A phone: 390 px wide, no horizontal scrolling.
        js("location.hash = ''")
        driver.set_window_size(390, 844)
        wait_for(lambda: js("return document.getElementById('live').hidden === false"), 5)
        check(js("return document.documentElement.scrollWidth <= window.innerWidth + 1"),
              "readable on a phone: no horizontal scrolling at 390 px")
        driver.save_screenshot(os.path.join(args.out, "4-phone.png"))
    finally:
        if driver:
            driver.quit()
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    if failures:
        print(f"{len(failures)} failed; the daemon's folder (config, alerts, vigil.stderr) kept: {work}", flush=True)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print("page test passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
