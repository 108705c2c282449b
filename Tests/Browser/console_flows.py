#!/usr/bin/env python3
"""The seeds' flows in a real browser: headless Chromium driven by Selenium, against a real
`muster serve` on a fresh data folder, reading the emails it writes as .eml files.

    python3 Tests/Browser/console_flows.py --muster .build/debug/muster [--screenshots docs/console]

Each flow is a function named for what it proves; the run stops at the first failure with the
page's text, and exits 0 only when every flow passed.
"""

import argparse
import email
import email.policy
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

ADMIN = "browser-tests-admin-token-0123456789"


class Muster:
    """A server on a temporary data folder, its API, and the emails it writes."""

    def __init__(self, binary):
        self.folder = tempfile.mkdtemp(prefix="muster-browser-")
        self.mail = os.path.join(self.folder, "mail")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(self.folder, "server.log"), "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--data-dir", self.folder, "--port", str(self.port), "--admin-token", ADMIN,
             "--public-base-url", self.base, "--mail-dir", self.mail],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                if urllib.request.urlopen(self.base + "/readyz", timeout=1).status == 200:
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        raise SystemExit("muster did not become ready; see " + self.log.name)

    def api(self, method, path, body=None, token=ADMIN):
        request = urllib.request.Request(self.base + path, method=method, data=None if body is None else json.dumps(body).encode())
        request.add_header("Authorization", "Bearer " + token)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as refusal:
            return refusal.code, json.loads(refusal.read() or b"null")

    def emails_to(self, address):
        found = []
        for path in sorted(glob.glob(os.path.join(self.mail, "*", "*.eml")), key=os.path.getmtime):
            with open(path, "rb") as file:
                message = email.message_from_binary_file(file, policy=email.policy.default)
            if message["To"] == address:
                found.append(message)
        return found

    def link_to(self, address, after=0):
        """The link in the newest email to `address`, waiting for email number `after + 1`."""
        for _ in range(200):
            messages = self.emails_to(address)
            if len(messages) > after:
                text = messages[-1].get_body(preferencelist=("plain",)).get_content()
                return re.search(r"https?://\S+token=\S+", text).group(0)
            time.sleep(0.05)
        raise AssertionError(f"no email to {address}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class Browser:
    """One person's browser: its own cookies."""

    def __init__(self, shots):
        options = Options()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1000"):
            options.add_argument(argument)
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if binary:
            options.binary_location = binary
        driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
        self.driver = webdriver.Chrome(service=Service(driver), options=options)
        self.shots = shots

    def open(self, url):
        self.driver.get(url)

    def text(self):
        """The page's text once it has loaded (a click that submits a form navigates)."""
        for _ in range(100):
            try:
                if self.driver.execute_script("return document.readyState") == "complete":
                    return self.driver.find_element(By.TAG_NAME, "body").text
            except WebDriverException:
                pass
            time.sleep(0.05)
        return self.driver.find_element(By.TAG_NAME, "body").text

    def expect(self, words):
        """Waits (up to 5 s) for `words` on the page."""
        text = ""
        for _ in range(100):
            text = self.text()
            if words in text:
                return
            time.sleep(0.05)
        raise AssertionError(f"expected {words!r} on {self.driver.current_url}:\n{text}")

    def refuse(self, words):
        text = self.text()
        assert words not in text, f"did not expect {words!r} on {self.driver.current_url}:\n{text}"

    def click(self, label):
        """Clicks the button or link `label`, waiting (up to 5 s) for it: the click before may
        have submitted a form whose answer is still loading."""
        path = f"//button[normalize-space()={json.dumps(label)}] | //a[normalize-space()={json.dumps(label)}]"
        for _ in range(100):
            self.text()
            found = self.driver.find_elements(By.XPATH, path)
            if found:
                found[0].click()
                return
            time.sleep(0.05)
        raise AssertionError(f"no {label!r} to click on {self.driver.current_url}:\n{self.text()}")

    def confirm(self, words):
        """Accepts the confirmation the page asks for, which must mention `words`."""
        alert = WebDriverWait(self.driver, 5).until(expected_conditions.alert_is_present())
        assert words in alert.text, alert.text
        alert.accept()

    def fill(self, field_id, value):
        field = self.driver.find_element(By.ID, field_id)
        field.clear()
        field.send_keys(value)

    def shot(self, name):
        if self.shots:
            os.makedirs(self.shots, exist_ok=True)
            self.driver.save_screenshot(os.path.join(self.shots, name + ".png"))

    def phone(self):
        self.driver.set_window_size(390, 844)

    def desktop(self):
        self.driver.set_window_size(1200, 1000)

    def close(self):
        self.driver.quit()


def an_admin_invites_and_the_invitee_previews_accepts_and_lands_signed_in(muster, shots):
    status, org = muster.api("POST", "/v1/orgs", {"name": "Riverside Housing"})
    assert status == 201, org
    muster.api("POST", f"/v1/orgs/{org['id']}/invitations", {"email": "ann@example.org", "role": "org_admin"})
    ann = Browser(shots)
    ann.open(muster.link_to("ann@example.org"))
    ann.expect("You've been invited to Riverside Housing as an org admin")
    ann.shot("link-preview")
    # Opening the link changed nothing: the invitation is still pending.
    _, listed = muster.api("GET", f"/v1/orgs/{org['id']}/invitations?email=ann@example.org")
    assert listed["items"][0]["status"] == "pending", listed
    ann.click("Accept and sign in")
    ann.expect("Welcome to Riverside Housing")
    ann.click("Continue")
    ann.expect("Signed in as ann@example.org")
    ann.expect("Riverside Housing")
    ann.shot("home")

    # Ann invites a caseworker from User Management → Add User.
    ann.click("User Management")
    ann.driver.find_element(By.XPATH, "//summary[normalize-space()='Add User']").click()
    ann.fill("invite-email", "bo@example.org")
    Select(ann.driver.find_element(By.ID, "invite-role")).select_by_value("caseworker")
    ann.shot("add-user")
    ann.driver.find_element(By.XPATH, "//form[.//input[@id='invite-email']]//button").click()
    ann.expect("Invitation sent.")
    ann.expect("bo@example.org")
    bo = Browser(shots)
    bo.open(muster.link_to("bo@example.org"))
    bo.click("Accept and sign in")
    bo.expect("You've joined as a caseworker")
    bo.close()
    return org, ann


def a_revoked_invitation_says_so_on_its_link_without_the_reason(muster, shots, org, ann):
    ann.open(f"{muster.base}/console/orgs/{org['id']}/users")
    ann.driver.find_element(By.XPATH, "//summary[normalize-space()='Add User']").click()
    ann.fill("invite-email", "cy@example.org")
    ann.driver.find_element(By.XPATH, "//form[.//input[@id='invite-email']]//button").click()
    ann.expect("Invitation sent.")
    row = ann.driver.find_element(By.XPATH, "//tr[@data-email='cy@example.org']")
    row.find_element(By.XPATH, ".//summary[normalize-space()='Revoke']").click()
    reason = row.find_element(By.TAG_NAME, "textarea")
    reason.send_keys("wrong person, sorry")
    counter = row.find_element(By.CLASS_NAME, "hint")
    assert "19 / 500" in row.text, row.text
    ann.shot("revoke")
    row.find_element(By.XPATH, ".//button[normalize-space()='Revoke invitation']").click()
    ann.confirm("cy@example.org")
    ann.expect("Invitation revoked.")
    assert ann.driver.find_element(By.XPATH, "//tr[@data-email='cy@example.org']//td[@class='status']").text == "revoked"
    visitor = Browser(shots)
    visitor.open(muster.link_to("cy@example.org"))
    visitor.expect("Invitation withdrawn")
    visitor.refuse("wrong person")
    visitor.shot("link-revoked")
    visitor.close()


def support_workers_get_the_view_of_their_mode_and_lose_the_case_when_ended(muster, shots, org, ann):
    ann.open(f"{muster.base}/console/orgs/{org['id']}/tenants")
    ann.fill("tenant-name", "Jo Tenant")
    ann.click("Create tenant")
    ann.expect("Tenant created.")
    team_url = ann.driver.current_url.split("?")[0]

    def invite(mode, fields):
        ann.open(team_url)
        ann.driver.find_element(By.XPATH, f"//input[@name='mode'][@value='{mode}']").click()
        for field, value in fields.items():
            ann.fill(field, value)
        ann.click("Invite")
        ann.expect("Collaborator invited.")

    invite("full", {"c-email": "sam@support.example", "c-name": "Sam Worker"})
    invite("context_only", {"c-email": "kim@council.example", "c-name": "Kim Officer"})
    invite("reference_only", {"c-contact-name": "Dr Patel", "c-contact-email": "gp@surgery.example", "c-contact-phone": "0161 555 0100"})
    ann.expect("Dr Patel")
    time.sleep(0.5)
    assert not muster.emails_to("gp@surgery.example"), "a reference-only contact gets no email"
    assert muster.emails_to("sam@support.example"), "while the account modes do: the check above can fail"
    ann.shot("team")

    sam = Browser(shots)
    sam.open(muster.link_to("sam@support.example"))
    sam.expect("invited you to work on a tenant's case as a support worker")
    sam.click("Sign in")
    sam.expect("You now have access to a case at Riverside Housing")
    sam.click("Continue")
    sam.expect("Jo Tenant")
    sam.shot("caseload")
    sam.click("Jo Tenant")
    sam.expect("as a support worker")
    sam.expect("New shared note")

    kim = Browser(shots)
    kim.open(muster.link_to("kim@council.example"))
    kim.click("Sign in")
    kim.click("Continue")
    kim.click("Jo Tenant")
    kim.expect("as a context-only collaborator")
    kim.refuse("New shared note")
    # A context-only collaborator records a session, as the spec allows, and sees it with their name.
    kim.driver.execute_script("document.getElementById('session-when').value = '2025-06-01T10:30'")
    kim.fill("session-summary", "Home visit: all well")
    kim.click("Record session")
    kim.expect("Session recorded.")
    kim.expect("1 June 2025, 10:30 UTC Home visit: all well you")
    kim.shot("case-context-only")
    kim.close()

    ann.open(team_url)
    ann.driver.find_element(By.XPATH, "//tr[contains(@data-who, 'sam@support.example')]//button[normalize-space()='End']").click()
    ann.confirm("sam@support.example")
    ann.expect("Assignment ended.")
    sam.open(f"{muster.base}/console/caseload")
    sam.expect("No cases are assigned to you.")
    sam.refuse("Jo Tenant")
    sam.close()


def a_form_with_bad_input_shows_the_servers_message_and_changes_nothing(muster, shots, org, ann):
    _, before = muster.api("GET", f"/v1/orgs/{org['id']}/invitations")
    ann.open(f"{muster.base}/console/orgs/{org['id']}/users")
    ann.driver.find_element(By.XPATH, "//summary[normalize-space()='Add User']").click()
    ann.fill("invite-email", "bo@example.org")
    ann.driver.find_element(By.XPATH, "//form[.//input[@id='invite-email']]//button").click()
    ann.expect("bo@example.org is already a member of this organisation as caseworker.")
    ann.refuse("Bo@example.org")
    # What was typed is still there, to correct.
    assert ann.driver.find_element(By.ID, "invite-email").get_attribute("value") == "bo@example.org"
    ann.shot("bad-input")
    _, after = muster.api("GET", f"/v1/orgs/{org['id']}/invitations")
    assert before == after, "a refused form changed the invitations"
    ann.phone()
    ann.open(f"{muster.base}/console/orgs/{org['id']}/users?tab=invitations")
    ann.shot("phone-invitations")


def a_revoked_invitation_is_invited_again_from_its_row_and_the_new_link_works(muster, shots, org, ann):
    before = len(muster.emails_to("cy@example.org"))
    ann.desktop()
    ann.open(f"{muster.base}/console/orgs/{org['id']}/users?tab=invitations")
    row = ann.driver.find_element(By.XPATH, "//tr[@data-email='cy@example.org']")
    assert "Reason: wrong person, sorry" in row.text and "by ann@example.org" in row.text, row.text
    ann.shot("invitations-history")
    row.find_element(By.XPATH, ".//button[normalize-space()='Invite again']").click()
    ann.expect("Invited again: a new invitation is on its way.")
    cy = Browser(shots)
    cy.open(muster.link_to("cy@example.org", after=before))
    cy.click("Accept and sign in")
    cy.expect("You've joined as a viewer")
    cy.close()
    _, listed = muster.api("GET", f"/v1/orgs/{org['id']}/invitations?email=cy@example.org")
    statuses = sorted(item["status"] for item in listed["items"])
    assert statuses == ["accepted", "revoked"], listed


def the_audit_trail_reads_as_sentences_and_filters_by_choice(muster, shots, org, ann):
    ann.open(f"{muster.base}/console/orgs/{org['id']}/audit")
    ann.expect("ann@example.org revoked the invitation of cy@example.org: wrong person, sorry")
    ann.expect("ann@example.org invited bo@example.org as a caseworker")
    Select(ann.driver.find_element(By.ID, "action")).select_by_visible_text("Invitation revoked")
    ann.shot("audit")
    ann.click("Filter")
    ann.expect("revoked the invitation of cy@example.org")
    ann.refuse("invited bo@example.org")


def a_viewer_sees_only_what_they_may_use(muster, shots, org):
    muster.api("POST", f"/v1/orgs/{org['id']}/invitations", {"email": "vi@example.org", "role": "viewer"})
    vi = Browser(shots)
    vi.open(muster.link_to("vi@example.org"))
    vi.click("Accept and sign in")
    vi.click("Continue")
    vi.expect("Hello, vi@example.org")
    for hidden in ("User Management", "API keys", "Audit trail", "Settings"):
        vi.refuse(hidden)
    vi.click("Tenants")
    vi.expect("Tenants")
    for hidden in ("User Management", "API keys", "Settings"):
        vi.refuse(hidden)
    vi.shot("viewer")
    # Typing the address does not get round it: the server refuses.
    vi.open(f"{muster.base}/console/orgs/{org['id']}/users")
    vi.expect("users.view")
    vi.close()


def an_org_admin_sets_where_invitations_lead_and_the_invitee_lands_there(muster, shots, org, ann):
    ann.open(f"{muster.base}/console/orgs/{org['id']}/settings")
    ann.fill("org-origins", "http://127.0.0.1:1\n" + muster.base)
    ann.fill("org-colour", "#1D70B8")
    ann.shot("settings")
    ann.click("Save settings")
    ann.expect("Settings saved.")
    assert ann.driver.find_element(By.ID, "org-colour").get_attribute("value") == "#1d70b8"
    ann.fill("org-domains", "example.org\nbad_domain")
    ann.click("Save settings")
    ann.expect("The allowed email domains: 'bad_domain' is not a domain such as example.org")
    assert "bad_domain" in ann.driver.find_element(By.ID, "org-domains").get_attribute("value"), "the typed value is kept"
    target = f"{muster.base}/healthz?from=invitation"
    status, _ = muster.api("POST", f"/v1/orgs/{org['id']}/invitations", {"email": "di@example.org", "role": "viewer", "redirect_url": target})
    assert status == 201
    status, refused = muster.api("POST", f"/v1/orgs/{org['id']}/invitations",
                                 {"email": "ev@example.org", "role": "viewer", "redirect_url": "https://evil.example/"})
    assert status == 422 and refused["code"] == "redirect_not_allowed", refused
    di = Browser(shots)
    di.open(muster.link_to("di@example.org"))
    di.click("Accept and sign in")
    di.click("Continue")
    for _ in range(100):
        if di.driver.current_url == target:
            break
        time.sleep(0.05)
    assert di.driver.current_url == target, di.driver.current_url
    di.close()


def an_admin_adds_pauses_and_rotates_a_webhook(muster, shots, org, ann):
    ann.open(f"{muster.base}/console/orgs/{org['id']}/webhooks")
    ann.driver.find_element(By.XPATH, "//summary[normalize-space()='Add a webhook']").click()
    ann.fill("hook-url", "https://hooks.example.org/muster")
    ann.fill("hook-description", "CRM sync")
    ann.driver.find_element(By.XPATH, "//input[@name='event_types'][@value='user.invited']").click()
    ann.click("Add webhook")
    ann.expect("shown once")
    assert ann.driver.find_element(By.ID, "webhook-secret").text.startswith("whsec_")
    ann.open(f"{muster.base}/console/orgs/{org['id']}/webhooks")
    ann.refuse("whsec_")
    card = ann.driver.find_element(By.XPATH, "//section[@data-url='https://hooks.example.org/muster']")
    card.find_element(By.NAME, "reason").send_keys("maintenance")
    card.find_element(By.XPATH, ".//button[normalize-space()='Pause']").click()
    ann.expect("Paused: maintenance")
    ann.click("Rotate secret")
    ann.confirm("new signing secret")
    ann.expect("The previous secret also signs until")
    ann.shot("webhooks")


def a_welsh_invitation_opens_a_welsh_page(muster, shots, org):
    muster.api("POST", f"/v1/orgs/{org['id']}/invitations", {"email": "dafydd@example.org", "role": "viewer", "locale": "cy"})
    dafydd = Browser(shots)
    dafydd.open(muster.link_to("dafydd@example.org"))
    dafydd.expect("Rydych wedi cael gwahoddiad i Riverside Housing fel gwyliwr")
    dafydd.shot("link-welsh")
    dafydd.click("Derbyn a mewngofnodi")
    dafydd.expect("Croeso i Riverside Housing")
    # The console goes on in the language the link page was read in, and switches with its link.
    dafydd.click("Parhau")
    dafydd.expect("Eich sefydliadau")
    dafydd.shot("console-welsh")
    dafydd.click("English")
    dafydd.expect("Your organisations")
    dafydd.click("Cymraeg")
    dafydd.expect("Eich sefydliadau")
    dafydd.close()


def a_person_signs_in_at_the_console_with_an_emailed_link_and_out_again(muster, shots):
    before = len(muster.emails_to("bo@example.org"))
    bo = Browser(shots)
    bo.open(f"{muster.base}/console")
    bo.expect("With a link by email")
    bo.shot("login")
    bo.fill("link-email", "bo@example.org")
    bo.click("Email me a sign-in link")
    bo.expect("Check your email")
    bo.open(muster.link_to("bo@example.org", after=before))
    bo.expect("This link signs you in to Muster")
    bo.click("Sign in")
    bo.click("Continue")
    bo.expect("Signed in as bo@example.org")
    bo.click("Sign out")
    bo.expect("With a link by email")
    bo.open(f"{muster.base}/console/caseload")
    bo.expect("With a link by email")
    bo.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--muster", default=".build/debug/muster")
    parser.add_argument("--screenshots")
    arguments = parser.parse_args()
    muster = Muster(arguments.muster)
    shots = arguments.screenshots
    try:
        org, ann = an_admin_invites_and_the_invitee_previews_accepts_and_lands_signed_in(muster, shots)
        print("ok: an admin invites; the invitee previews, accepts and lands signed in")
        a_revoked_invitation_says_so_on_its_link_without_the_reason(muster, shots, org, ann)
        print("ok: a revoked invitation's link says revoked, never the reason")
        support_workers_get_the_view_of_their_mode_and_lose_the_case_when_ended(muster, shots, org, ann)
        print("ok: support workers in each mode get their view, and lose the case on the next load after End")
        a_form_with_bad_input_shows_the_servers_message_and_changes_nothing(muster, shots, org, ann)
        print("ok: bad input shows the server's message and changes nothing")
        a_revoked_invitation_is_invited_again_from_its_row_and_the_new_link_works(muster, shots, org, ann)
        print("ok: a revoked invitation is invited again from its row, and the new link works")
        the_audit_trail_reads_as_sentences_and_filters_by_choice(muster, shots, org, ann)
        print("ok: the audit trail reads as sentences and filters by choice")
        a_viewer_sees_only_what_they_may_use(muster, shots, org)
        print("ok: a viewer sees only what they may use, and the server refuses the rest")
        an_org_admin_sets_where_invitations_lead_and_the_invitee_lands_there(muster, shots, org, ann)
        print("ok: an org admin sets where invitations lead, and the invitee lands there")
        an_admin_adds_pauses_and_rotates_a_webhook(muster, shots, org, ann)
        print("ok: an admin adds, pauses and rotates a webhook")
        a_welsh_invitation_opens_a_welsh_page(muster, shots, org)
        print("ok: a Welsh invitation opens a Welsh page, and the console goes on in Welsh until English is chosen")
        a_person_signs_in_at_the_console_with_an_emailed_link_and_out_again(muster, shots)
        print("ok: a person signs in with an emailed link, and out again")
        ann.close()
    finally:
        muster.stop()


if __name__ == "__main__":
    main()
