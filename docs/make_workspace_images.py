"""Regenerate the pictures of "The workspace in the browser" in docs/practitioner.md.

A copy of the example family (everyone invented) and the small synthetic Brown family of
the tests are served by ``chronos serve`` (in this process), and each page is shot in a
headless Chromium (Selenium, /usr/bin/chromium and /usr/bin/chromedriver), after a build,
one row annotated and one finding dismissed, so the pictures show decisions. The PNGs
are reduced to 64-colour palettes to stay small. Run from the project root:
python docs/make_workspace_images.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

IMAGES = ROOT / "docs" / "img"
WIDTH, HEIGHT = 1280, 860
EARLY_HELP = ("Family Ref,Child Forename,Child Surname,Child DOB,Contact Date,Contact Type,Worker\n"
              "EH1,Tyler,Smith,09/07/2008,03/03/2022,Home visit,K Patel\n"
              "EH1,Tyler,Smith,09/07/2008,17/03/2022,Missed appointment,K Patel\n")


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--hide-scrollbars",
                 f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def shoot(driver, name: str) -> None:
    from PIL import Image

    path = IMAGES / f"workspace-{name}.png"
    driver.save_screenshot(str(path))
    image = Image.open(path).convert("RGB").quantize(colors=64, dither=Image.Dither.NONE)
    image.save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


def main() -> None:
    from chronos import app
    from chronos.annotations import decide
    from chronos.serve import prepare

    sys.path.insert(0, str(ROOT / "tests"))
    from serve.conftest import brown_exports  # the tests' synthetic family

    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cases = Path(tmp) / "cases"
        smith = cases / "smith"
        shutil.copytree(ROOT / "examples" / "smith-family", smith)
        (smith / "exports" / "early_help.csv").write_text(EARLY_HELP)
        brown = brown_exports(cases / "brown")
        app.new_case(brown, name="Brown family (synthetic)")
        server = prepare(cases)
        running = server.start_in_thread()
        workspace = server.app.app.state.workspace
        entry = workspace.case("smith")
        workspace.start_build(entry)
        workspace.wait(entry)
        workspace.ensure_loaded(workspace.case("brown"))
        workspace.wait(workspace.case("brown"))
        rows = entry.rows
        police = rows[rows["agency"] == "Police"].iloc[1]["event_id"]
        decide(smith, police, "significance", "significant", who="s.okafor",
               reason="first incident with the children present")
        decide(smith, police, "note", "Police confirmed the children were upstairs", who="s.okafor")
        routine = rows[~rows["significant"]].iloc[0]["event_id"]
        decide(smith, routine, "significance", "not significant", who="s.okafor")
        finding = entry.result.findings.iloc[-1]["finding_id"]
        decide(smith, finding, "dismissed", "yes", who="s.okafor",
               reason="explained by the hospital's own records")
        _returns(smith)
        base = f"http://127.0.0.1:{server.port}"
        driver = browser()
        try:
            driver.get(server.url)
            shoot(driver, "cases")
            driver.get(f"{base}/case/smith")
            shoot(driver, "case")
            driver.get(f"{base}/case/smith/chronology?agency=Police")
            shoot(driver, "chronology")
            driver.get(f"{base}/case/smith/event/{police}")
            shoot(driver, "event")
            driver.get(f"{base}/case/smith/findings")
            shoot(driver, "findings")
            driver.get(f"{base}/case/smith/pictures")
            shoot(driver, "pictures")
            driver.get(f"{base}/case/smith/ingest")
            shoot(driver, "ingest")
            driver.get(f"{base}/case/smith/mapping?file=exports/early_help.csv")
            driver.find_element("id", "preview").click()
            driver.execute_script("window.scrollTo(0, 420)")
            shoot(driver, "mapping")
            driver.get(f"{base}/case/brown/links")
            shoot(driver, "links")
            driver.get(f"{base}/case/brown/explain?a=gp:G1&b=school:S3")
            shoot(driver, "explain")
            driver.get(f"{base}/case/smith/build")
            shoot(driver, "build")
            driver.get(f"{base}/case/smith/returns")
            shoot(driver, "returns")
        finally:
            driver.quit()
            running.should_exit = True


def _returns(case: Path) -> None:
    """Templates issued to three agencies for Kayden, one returned and checked."""
    from chronos import app
    from returns.agency import fill_docx

    app.returns_new(case, ["Oakfield Primary School", "Health visiting", "Police"],
                    child="Kayden Smith", period_start="2021-01-01", period_end="2024-03-31",
                    due="2024-05-10")
    inbox = case / "returns" / "received"
    inbox.mkdir(parents=True, exist_ok=True)
    fill_docx(case / "returns" / "templates" / "oakfield-primary-school.docx",
              inbox / "Oakfield chronology.docx",
              [("12/09/2022", "", "Class teacher", "Kayden arrived without breakfast",
                "Breakfast club offered", "", "")])
    app.returns_status(case, scan=True)


if __name__ == "__main__":
    main()
