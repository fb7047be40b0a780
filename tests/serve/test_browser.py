"""The workspace in a real headless Chromium (Selenium, the Debian chromium and
chromium-driver that .ci/run installs), through the main flows: a case made from the
example's exports, a new CSV mapped with the wizard, a build with its downloads, a row
annotated and found in chronology.docx after a rebuild, a link pair accepted; and the
refusals a browser meets: no token, a foreign Host (a DNS name rebound to 127.0.0.1)."""

from __future__ import annotations

import contextlib
import shutil
import time
from pathlib import Path

import pytest
import yaml

from .conftest import EXAMPLE, TOKEN, brown_exports

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM.exists() and DRIVER.exists()),
                       reason="needs /usr/bin/chromium and /usr/bin/chromedriver "
                              "(apt-get install chromium chromium-driver; .ci/run does)"),
]

EARLY_HELP = """Family Ref,Child Forename,Child Surname,Child DOB,Contact Date,Contact Type,Worker
EH1,Tyler,Smith,09/07/2008,03/03/2022,Home visit,K Patel
EH1,Tyler,Smith,09/07/2008,17/03/2022,Missed appointment,K Patel
EH1,Tyler,Smith,09/07/2008,31/03/2022,Home visit,K Patel
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A server on a folder of two cases' exports (the example family's, without its
    case.yaml, plus a new CSV; and the synthetic Brown family, a case already)."""
    from chronos import app
    from chronos.serve import prepare

    root = tmp_path_factory.mktemp("browser") / "cases"
    (root / "smith").mkdir(parents=True)
    shutil.copytree(EXAMPLE / "exports", root / "smith" / "exports")
    shutil.copytree(EXAMPLE / "mappings", root / "smith" / "mappings")
    (root / "smith" / "exports" / "early_help.csv").write_text(EARLY_HELP)
    brown = brown_exports(root / "brown")
    app.new_case(brown, name="Brown family (synthetic)")
    server = prepare(root, token=TOKEN)
    running = server.start_in_thread()
    yield server, root
    running.should_exit = True


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--disable-default-apps",
                 "--window-size=1400,1000",
                 # a foreign name resolving to this computer: the DNS-rebinding attack
                 "--host-resolver-rules=MAP rebound.example 127.0.0.1"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def wait_for(driver, css: str, timeout: float = 240):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.25).until(
        seen.presence_of_element_located((By.CSS_SELECTOR, css)))


def click(driver, css: str):
    """Click a button that submits its form, and wait until the next page has replaced
    this one (so that what is looked for next is not found on the page being left)."""
    from selenium.webdriver.common.by import By

    with page_change(driver):
        driver.find_element(By.CSS_SELECTOR, css).click()


@contextlib.contextmanager
def page_change(driver, timeout: float = 240):
    """Wait, after the block, for the current page to be replaced by another."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    yield
    WebDriverWait(driver, timeout, poll_frequency=0.25).until(seen.staleness_of(page))


def test_without_the_token_the_browser_is_refused(served, browser):
    server, _ = served
    browser.get(f"http://127.0.0.1:{server.port}/")
    assert "No token" in browser.page_source


def test_a_rebound_dns_name_is_refused_even_with_the_token(served, browser):
    server, _ = served
    browser.get(f"http://rebound.example:{server.port}/?token={TOKEN}")
    assert "Host header" in browser.page_source
    assert "Cases" not in browser.title


def test_main_flows_from_exports_to_the_annotation_in_chronology_docx(served, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    server, root = served
    browser.get(server.url)                                  # the first URL, with the token
    assert "?token" not in browser.current_url               # the token left the address bar
    # a case from the example's exports
    Select(browser.find_element(By.NAME, "folder")).select_by_visible_text("smith")
    browser.find_element(By.NAME, "name").send_keys("Smith family (from exports)")
    click(browser, "#new-case button")
    assert "need a mapping" in wait_for(browser, ".said").text
    wait_for(browser, "#build")                              # read, the case page opens
    assert "Smith family (from exports)" in browser.page_source

    # the new CSV mapped with the wizard
    browser.get(f"http://127.0.0.1:{server.port}/case/smith/mapping")
    Select(browser.find_element(By.NAME, "file")).select_by_visible_text("exports/early_help.csv")
    click(browser, "#sniff")
    yaml_box = wait_for(browser, "#mapping-yaml")
    draft = yaml.safe_load(yaml_box.get_attribute("value"))
    assert draft["events"][0]["date"] == "Contact Date"
    assert draft["person"]["dob"] == "Child DOB"
    assert draft["events"][0]["type"]["map"] == {"Home visit": "home_visit",
                                                 "Missed appointment": "was_not_brought"}
    click(browser, "#preview")
    assert "3 rows read: 3 events" in wait_for(browser, "#preview-summary").text
    # the person checks the draft: the guessed wording (said in a comment), and the agency
    text = wait_for(browser, "#mapping-yaml").get_attribute("value")
    assert "'Missed appointment' -> was_not_brought" in text
    text = text.replace("agency: Early help", "agency: Early help service")
    box = browser.find_element(By.ID, "mapping-yaml")
    box.clear()
    box.send_keys(text)
    click(browser, "#preview")
    assert "3 rows read: 3 events" in wait_for(browser, "#preview-summary").text
    name = browser.find_element(By.ID, "mapping-name")
    name.clear()
    name.send_keys("early_help")
    click(browser, "#save-mapping")
    assert "Mapping saved" in wait_for(browser, ".said").text
    sources = yaml.safe_load((root / "smith" / "case.yaml").read_text())["sources"]
    assert sources[-1]["mapping"] == "mappings/early_help.yaml"
    assert sources[-1]["agency"] == "Early help service"

    # a build, with progress, then every output downloadable
    click(browser, "#build")
    wait_for(browser, ".job[data-done='1']")
    assert "Done" in browser.find_element(By.ID, "state").text
    links = {a.text for a in browser.find_elements(By.CSS_SELECTOR, "#outputs a")}
    assert {"chronology.docx", "genogram.png", "ecomap.png", "timeline.png"} <= links

    # the early-help visits are in the chronology; one row annotated
    browser.get(f"http://127.0.0.1:{server.port}/case/smith/chronology")
    with page_change(browser):                               # the filter applies on change
        Select(wait_for(browser, "select[name=agency]")).select_by_visible_text(
            "Early help service")
    wait_for(browser, "select[name=agency] option[selected]")
    rows = browser.find_elements(By.CSS_SELECTOR, "#chronology tbody tr")
    assert len(rows) == 3 and all("Early help service" in r.text for r in rows)
    event_id = rows[0].get_attribute("data-event")
    with page_change(browser):
        rows[0].find_element(By.CSS_SELECTOR, "a.open-event").click()
    Select(wait_for(browser, "#mark")).select_by_value("significant")
    click(browser, "#save-mark")
    assert "Saved" in wait_for(browser, ".said").text
    note = browser.find_element(By.ID, "note")
    note.send_keys("Visit confirmed with the early help worker")
    click(browser, "#save-note")
    assert "Saved" in wait_for(browser, ".said").text
    assert "Marked significant" in browser.find_element(By.ID, "significance").text

    # a rebuild: the note is in chronology.docx
    browser.get(f"http://127.0.0.1:{server.port}/case/smith")
    click(browser, "#build")
    wait_for(browser, ".job[data-done='1']")
    assert "Done" in browser.find_element(By.ID, "state").text
    out = root / "smith-chronos-out"
    assert "Visit confirmed with the early help worker" in docx_text(out / "chronology.docx")
    browser.get(f"http://127.0.0.1:{server.port}/case/smith/chronology?significance=significant")
    assert event_id in [r.get_attribute("data-event") for r in
                        browser.find_elements(By.CSS_SELECTOR, "#chronology tbody tr")]


def test_a_link_pair_accepted_in_the_browser(served, browser):
    from selenium.webdriver.common.by import By

    server, root = served
    browser.get(server.url.replace("/?", "/case/brown/links?"))
    row = wait_for(browser, 'tr[data-pair="gp:G1|school:S3"]')
    with page_change(browser):
        row.find_element(By.CSS_SELECTOR, "button.accept").click()
    assert "same" in wait_for(browser, ".said").text
    decided = yaml.safe_load((root / "brown" / "overrides.yaml").read_text())
    assert ["gp:G1", "school:S3"] in decided["must_link"]
    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-pair="gp:G1|school:S3"]')
    assert "Same person" in row.find_element(By.CSS_SELECTOR, ".decided").text


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)
