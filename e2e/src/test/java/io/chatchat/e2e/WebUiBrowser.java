package io.chatchat.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium, driven by its ChromeDriver, on Chatchat's Streamlit WebUI. Every
 * request stays on 127.0.0.1: names other than 127.0.0.1 resolve to nothing and every other
 * connection goes to a proxy address where nothing listens (Chromium's own background calls to
 * Google fail there).
 */
final class WebUiBrowser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  /** The sidebar menu (streamlit-antd-components) renders inside this iframe. */
  private static final By MENU =
      By.cssSelector(
          "section[data-testid='stSidebar']"
              + " iframe[title='streamlit_antd_components.utils.component_func.sac']");

  private final ChromeDriver driver;
  private final WebDriverWait wait;

  WebUiBrowser(Path tmp) throws IOException {
    Files.createDirectories(tmp);
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toFile());
    o.addArguments(
        "--headless=new",
        "--no-sandbox", // as root in this sandboxless test machine
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-domain-reliability",
        "--disable-breakpad",
        "--disable-client-side-phishing-detection",
        "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter,Translate",
        "--proxy-server=http://127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--window-size=1400,1000");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .withEnvironment(Map.of("TMPDIR", tmp.toString()))
            .build();
    driver = new ChromeDriver(service, o);
    wait = new WebDriverWait(driver, Duration.ofSeconds(90), Duration.ofMillis(250));
    wait.ignoring(StaleElementReferenceException.class);
  }

  /**
   * Opens the WebUI, goes to its "RAG 对话" page (which lists the knowledge bases it gets from the
   * API) and returns the knowledge-base selector's text once the page is idle.
   */
  String knowledgeBaseSelector(String baseUrl) {
    driver.get(baseUrl);
    driver.switchTo().frame(wait.until(ExpectedConditions.presenceOfElementLocated(MENU)));
    wait.until(
            ExpectedConditions.elementToBeClickable(
                By.xpath(
                    "//li[contains(@class,'ant-menu-item')][.//span[normalize-space()='RAG 对话']]")))
        .click();
    driver.switchTo().defaultContent();
    By selected =
        By.cssSelector("div[data-testid='stSelectbox'] input[aria-label^='Selected samples.']");
    wait.until(d -> d.findElement(selected).getDomAttribute("aria-label"));
    wait.until(
        ExpectedConditions.invisibilityOfElementLocated(
            By.cssSelector("[data-testid='stStatusWidget']")));
    return wait.until(
        d ->
            d.findElement(selected)
                .findElement(By.xpath("ancestor::div[@data-testid='stSelectbox']"))
                .getText());
  }

  /** The texts of the exceptions Streamlit shows on the page (none on a healthy WebUI). */
  List<String> exceptions() {
    return driver.findElements(By.cssSelector("[data-testid='stException']")).stream()
        .map(WebElement::getText)
        .toList();
  }

  void screenshot(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), file, StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void close() {
    driver.quit();
  }
}
