#!/usr/bin/env python3
"""The page in a real browser: headless Chromium driven through chromedriver (selenium).

    python3 tests/web/browser.py NNZERO_BINARY [--shots docs/guide/src/images] [--model FILE]

1. `nnzero serve`: load the drawing page on a desktop and on a phone-sized screen (touch),
   draw a digit with pointer events, read the answer off the page; draw a number across the
   wide pad and upload a photographed number (tests/data/numbers): several digits, boxed;
   no console errors.
2. `nnzero train --web`: open the live page during a short training and see it update
   (epoch, progress, the digit, accuracy); no console errors; desktop and phone.
3. `nnzero train --web` to its end: the page says "finished" with the final accuracy and
   curve, and still does after the program has exited (not "offline (reconnecting)").
4. A page on another origin (a second local server) posts to `serve --teach --save`'s
   /api/teach and /api/save with `fetch(..., {mode: 'no-cors'})`, as a malicious site would:
   both refused, the model file and the answers unchanged. The same script from the server's
   own page does teach and save (so the refusal is the server's, not the browser's).
With --shots DIR it saves the screenshots the guide shows (docs/guide/src/images); --model FILE
serves that model (the guide's shots use `train --augment`) instead of a one-epoch one. Prints
one line per check and ends with "N passed, N failed"; exits 1 if any failed.
"""
import argparse
import base64
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput
from selenium.webdriver.common.by import By
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

PHONE = {"width": 390, "height": 844, "pixelRatio": 2}
NUMBER_PHOTO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            "../data/numbers/tune/019_32018.jpg"))
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)


def browser(phone):
    opts = webdriver.ChromeOptions()
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='nnzero-chromium-')}"]:
        opts.add_argument(flag)
    if phone:
        opts.add_experimental_option("mobileEmulation", {"deviceMetrics": {**PHONE, "touch": True}})
    else:
        opts.add_argument("--window-size=1280,1000")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(options=opts, service=service)


def screenshot(driver, path):
    """The whole page, not only the window: on a phone the live view runs below the fold."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot",
                                  {"format": "png", "captureBeyondViewport": True, "clip": clip})
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def start(binary, args, cwd):
    """Starts nnzero with --web on a free port; returns (process, base URL)."""
    p = subprocess.Popen([binary, *args, "--web", "127.0.0.1:0"], cwd=cwd,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        m = re.search(r"web: open (http://\S+/)", line)
        if m:
            return p, m.group(1)
    raise RuntimeError(f"nnzero {' '.join(args)} printed no address")


def draw_seven(driver, touch):
    """A 7: a bar across the top, then a stroke down to the bottom left, as one pointer path."""
    draw_strokes(driver, touch, [
        [(-0.25, -0.3), (0.0, -0.3), (0.25, -0.3), (0.15, -0.05), (0.05, 0.15), (-0.05, 0.35)],
    ])


def draw_strokes(driver, touch, strokes):
    """Strokes on the pad, each a list of offsets from its centre as fractions of its height;
    the pointer lifts after each, as a finger would."""
    pad = driver.find_element(By.ID, "pad")
    w = pad.size["height"]
    kind = interaction.POINTER_TOUCH if touch else interaction.POINTER_MOUSE
    for path in strokes:
        actions = ActionBuilder(driver, mouse=PointerInput(kind, "finger" if touch else "mouse"))
        pts = [(int(x * w), int(y * w)) for x, y in path]
        p = actions.pointer_action
        p.move_to(pad, *pts[0]).pointer_down()
        for x, y in pts[1:]:
            p.move_to(pad, x, y)
        p.pointer_up()
        actions.perform()
        time.sleep(0.3)


def read_number(driver, size, shots, photo):
    """Issue 23: a number drawn across the wide pad, then a photographed number uploaded: the
    page reads several digits, boxes each one over the picture and shows each 28x28 digit."""
    driver.find_element(By.ID, "clear").click()
    # "47": a 4, then a 7 a little to its right (digits farther apart than they are tall are
    # not one number).
    draw_strokes(driver, size == "phone", [
        [(-0.45, -0.3), (-0.62, 0.08), (-0.28, 0.08)],
        [(-0.36, -0.2), (-0.37, 0.35)],
        [(0.0, -0.3), (0.35, -0.3), (0.1, 0.35)],
    ])
    try:
        WebDriverWait(driver, 10).until(
            lambda d: len(d.find_element(By.ID, "draw-answer").text) == 2)
    except TimeoutException:
        pass
    answer = driver.find_element(By.ID, "draw-answer").text
    if shots:
        screenshot(driver, os.path.join(shots, f"web-drawn-number-{size}.png"))
    check(f"serve ({size}): a number drawn across the pad reads as two digits",
          re.fullmatch(r"\d\d", answer) is not None, f"the page says {answer}")
    want = os.path.basename(photo).split("_")[1].split(".")[0]
    upload = driver.find_element(By.ID, "photo")
    driver.execute_script("arguments[0].hidden = false;", upload)
    upload.send_keys(photo)
    driver.execute_script("arguments[0].hidden = true;", upload)
    try:
        WebDriverWait(driver, 10).until(
            lambda d: len(d.find_element(By.ID, "draw-answer").text) == len(want))
    except TimeoutException:
        pass
    answer = driver.find_element(By.ID, "draw-answer").text
    check(f"serve ({size}): a photographed number reads as {len(want)} digits",
          len(answer) == len(want), f"the page says {answer}, the photo holds {want}")
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "draw-boxes").is_displayed())
    tiles = driver.find_elements(By.CSS_SELECTOR, "#draw-digits canvas")
    check(f"serve ({size}): boxes over the photo and a 28x28 picture per digit",
          len(tiles) == len(want), f"{len(tiles)} pictures")
    if shots:
        screenshot(driver, os.path.join(shots, f"web-number-{size}.png"))


def serve_page(binary, model, shots):
    proc, url = start(binary, ["serve", "--model", model, "--teach"], os.path.dirname(model))
    try:
        for phone in (False, True):
            size = "phone" if phone else "desktop"
            d = browser(phone)
            try:
                d.get(url)
                WebDriverWait(d, 10).until(lambda d: d.find_element(By.ID, "draw").is_displayed())
                WebDriverWait(d, 10).until(
                    lambda d: len(d.find_elements(By.CSS_SELECTOR, "#backquery canvas")) == 10)
                draw_seven(d, touch=phone)
                WebDriverWait(d, 10).until(
                    lambda d: re.fullmatch(r"\d", d.find_element(By.ID, "draw-answer").text))
                answer = d.find_element(By.ID, "draw-answer").text
                check(f"serve ({size}): drawn digit read", answer == "7", f"the page says {answer}")
                bars = d.find_elements(By.CSS_SELECTOR, "#draw-bars .bar")
                check(f"serve ({size}): ten bars", len(bars) == 10)
                # The 28×28 picture was drawn: some ink in the prepared canvas.
                ink = d.execute_script(
                    "const c=document.getElementById('draw-prepared');"
                    "const p=c.getContext('2d').getImageData(0,0,28,28).data;"
                    "let n=0; for(let i=0;i<p.length;i+=4) if(p[i]>128) n++; return [c.width, n];")
                check(f"serve ({size}): prepared 28x28 shown", ink[0] == 28 and ink[1] > 20,
                      f"{ink[1]} ink pixels")
                if shots:
                    screenshot(d, os.path.join(shots, f"web-draw-{size}.png"))
                if phone:
                    # Last, as it changes the served model: "it was a 1", ten steps: the answer before and after.
                    d.find_element(By.CSS_SELECTOR, "#teach-buttons button:nth-child(2)").click()
                    WebDriverWait(d, 10).until(
                        lambda d: "Taught" in d.find_element(By.ID, "teach-result").text)
                    text = d.find_element(By.ID, "teach-result").text
                    check("serve: teaching moves the answer towards 1",
                          float(re.search(r"after: answer \d, ([\d.]+)", text).group(1))
                          > float(re.search(r"Before: answer \d, ([\d.]+)", text).group(1)), text)
                read_number(d, size, shots, NUMBER_PHOTO)
                errs = console_errors(d)
                check(f"serve ({size}): no console errors", not errs, json.dumps(errs)[:300])
            finally:
                d.quit()
    finally:
        proc.kill()
        proc.wait()


# Teaches "3" a hundred times over, three times, then saves: what a foreign page tried.
ATTACK = """
const done = arguments[arguments.length - 1];
(async () => {
  const png = Uint8Array.from(atob(%s), c => c.charCodeAt(0));
  const out = [];
  for (let i = 0; i < 3; i++) {
    try {
      const r = await fetch(%s + "api/teach?label=3&repeat=100",
        {method: "POST", mode: %s, body: new Blob([png], {type: "text/plain"})});
      out.push(r.type === "opaque" ? "opaque" : String(r.status));
    } catch (e) { out.push("failed"); }
  }
  try {
    const r = await fetch(%s + "api/save", {method: "POST", mode: %s});
    out.push(r.type === "opaque" ? "opaque" : String(r.status));
  } catch (e) { out.push("failed"); }
  done(out);
})();
"""


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def predict(url, png):
    req = urllib.request.Request(url + "api/predict", data=png, method="POST")
    with urllib.request.urlopen(req, timeout=20) as r:
        return json.load(r)["outputs"]


def foreign_page(binary, model):
    """Cross-site request forgery from a page on a second origin: refused."""
    work = os.path.dirname(model)
    served = os.path.join(work, "served.nnz")
    shutil.copy(model, served)
    digit_one = os.path.join(os.path.dirname(NUMBER_PHOTO), "../../handwriting/tune")
    one = sorted(f for f in os.listdir(digit_one) if f.startswith("0001_"))[0]
    with open(os.path.join(digit_one, one), "rb") as f:
        png = f.read()
    b64 = json.dumps(base64.b64encode(png).decode())
    evil_dir = tempfile.mkdtemp(prefix="nnzero-other-origin-")
    with open(os.path.join(evil_dir, "index.html"), "w") as f:
        f.write("<!doctype html><title>another site</title><p>nothing to see")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=evil_dir)
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    evil_url = f"http://127.0.0.1:{evil.server_address[1]}/"
    proc, url = start(binary, ["serve", "--model", served, "--teach", "--save", served], work)
    d = browser(False)
    try:
        before_file, before = sha256(served), predict(url, png)
        d.set_script_timeout(60)
        d.get(evil_url)
        sent = d.execute_async_script(ATTACK % (b64, json.dumps(url), "'no-cors'",
                                                json.dumps(url), "'no-cors'"))
        check("other origin: teach and save sent from a second origin's page", len(sent) == 4,
              f"{evil_url} -> {url}: {sent}")
        check("other origin: the model file is unchanged", sha256(served) == before_file)
        check("other origin: the served model answers as before", predict(url, png) == before)
        # The same requests from the server's own page are served: the refusal above was the
        # server's doing, not the browser's.
        d.get(url)
        own = d.execute_async_script(ATTACK % (b64, json.dumps(url), "'same-origin'",
                                               json.dumps(url), "'same-origin'"))
        check("own page: teach and save answered 200", own == ["200"] * 4, str(own))
        check("own page: the model file was saved", sha256(served) != before_file)
    finally:
        d.quit()
        proc.kill()
        proc.wait()
        evil.shutdown()


def live_page(binary, workdir, shots):
    for phone in (False, True):
        size = "phone" if phone else "desktop"
        # Long enough to be still training when the checks are done (the test profile trains
        # 100 hidden nodes at over 100,000 samples/s: six epochs once ended before the phone's
        # checks); killed after them. Each run saves to a file of its own: a killed run leaves
        # its checkpoint, which a new run to the same file refuses to overwrite without
        # --resume.
        proc, url = start(binary, ["train", "--epochs", "40", "--hidden", "100",
                                   "--save", os.path.join(workdir, f"live-{size}.nnz")], workdir)
        try:
            d = browser(phone)
            try:
                d.get(url)
                WebDriverWait(d, 10).until(lambda d: d.find_element(By.ID, "live").is_displayed())
                seen = lambda d: int(d.find_element(By.TAG_NAME, "body").get_attribute("data-updates") or 0)
                WebDriverWait(d, 20).until(lambda d: seen(d) >= 2)
                first = (seen(d), d.find_element(By.ID, "live-done").text)
                # Into the second epoch, so the curve has a test point and a line.
                WebDriverWait(d, 120).until(
                    lambda d: d.find_element(By.ID, "live-test").text not in ("", "–")
                    and d.find_element(By.ID, "live-running").text not in ("", "–"))
                time.sleep(2)
                later = (seen(d), d.find_element(By.ID, "live-done").text)
                phase = d.find_element(By.ID, "live-phase").text
                check(f"live ({size}): page updates", later[0] > first[0] and later[1] != first[1],
                      f"updates {first[0]} -> {later[0]}, done {first[1]} -> {later[1]}, {phase}")
                check(f"live ({size}): shows an epoch", phase.startswith("epoch "), phase)
                label = d.find_element(By.ID, "live-label").text
                answer = d.find_element(By.ID, "live-answer").text
                check(f"live ({size}): label and answer", label.isdigit() and answer.isdigit(),
                      f"label {label}, answer {answer}, test {d.find_element(By.ID, 'live-test').text}, "
                      f"{d.find_element(By.ID, 'live-rate').text} samples/s")
                if shots:
                    screenshot(d, os.path.join(shots, f"web-live-{size}.png"))
                errs = console_errors(d)
                check(f"live ({size}): no console errors", not errs, json.dumps(errs)[:300])
            finally:
                d.quit()
        finally:
            proc.kill()
            proc.wait()


def finished_page(binary, workdir, shots):
    # The browser first: it takes seconds to start, and the run must still be going when the
    # page opens.
    d = browser(False)
    proc = None
    try:
        proc, url = start(binary, ["train", "--epochs", "3", "--hidden", "100",
                                   "--save", os.path.join(workdir, "finished.nnz")], workdir)
        d.get(url)
        WebDriverWait(d, 10).until(lambda d: d.find_element(By.ID, "live").is_displayed())
        link = lambda d: d.find_element(By.ID, "link").text
        WebDriverWait(d, 180).until(lambda d: "finished" in link(d) or "offline" in link(d))
        proc.wait(timeout=60)
        # The program has exited: the page must not fall back to "offline (reconnecting)".
        time.sleep(3)
        phase = d.find_element(By.ID, "live-phase").text
        check("finished: the link says finished after the program exited",
              "finished" in link(d) and "offline" not in link(d), link(d))
        test = d.find_element(By.ID, "live-test").text
        check("finished: the phase says finished with the test accuracy",
              phase.startswith("finished: 3 epochs, test accuracy ") and test in phase, phase)
        # The curve: three test points drawn in the test colour (#ffb454).
        orange = d.execute_script(
            "const c=document.getElementById('live-curve');"
            "const p=c.getContext('2d').getImageData(0,0,c.width,c.height).data;"
            "let n=0; for(let i=0;i<p.length;i+=4) if(p[i]==255&&p[i+1]==180&&p[i+2]==84) n++;"
            "return n;")
        check("finished: the final curve is drawn", orange > 50, f"{orange} test-colour pixels")
        if shots:
            screenshot(d, os.path.join(shots, "web-finished.png"))
        errs = console_errors(d)
        check("finished: no console errors", not errs, json.dumps(errs)[:300])
    finally:
        d.quit()
        if proc:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--shots", help="directory for the screenshots")
    ap.add_argument("--model", help="serve this model instead of a one-epoch one")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    shots = os.path.abspath(args.shots) if args.shots else None
    with tempfile.TemporaryDirectory() as work:
        model = os.path.join(work, "model.nnz")
        if args.model:
            shutil.copy(args.model, model)
        else:
            subprocess.run([binary, "train", "--epochs", "1", "--save", model], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        serve_page(binary, model, shots)
        foreign_page(binary, model)
        live_page(binary, work, shots)
        finished_page(binary, work, shots)
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
