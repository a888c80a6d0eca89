package dev.beacon.broker.discovery;

import dev.beacon.broker.Broker;
import dev.beacon.broker.RunningBroker;
import dev.beacon.lookupd.Lookupd;
import io.nats.client.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * lookupd's console in a real browser (Debian's chromium driven headless through chromedriver) with
 * lookupd and three brokers in-process. One screenshot per view goes to target/console-screenshots/;
 * on a failure, one of every view as it then is (failure-*.png).
 */
@Timeout(120)
class ConsoleBrowserIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SHOTS = Path.of("target", "console-screenshots");

  private TestCluster cluster;
  private final Map<String, String> deployments = new HashMap<>();
  private WebDriver driver;
  private String base;
  private final AtomicBoolean publishing = new AtomicBoolean(true);

  @BeforeEach
  void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "chromium and chromedriver are not installed (" + CHROMIUM + ", " + CHROMEDRIVER
            + "; Debian packages chromium and chromium-driver): browser test skipped");
    cluster = new TestCluster();
    Lookupd l = cluster.startLookupd("l1", "127.0.0.1:0", "127.0.0.1:0");
    for (String b : List.of("b1", "b2", "b3")) {
      startBroker(b, cluster.lookupdTcp("l1"));
    }
    TestCluster.await("a full mesh of 3 brokers", Duration.ofSeconds(20), cluster::fullMesh);
    base = "http://127.0.0.1:" + l.httpPort() + "/console/";

    // The driver's path is given, so Selenium Manager is never asked to find (or download) one.
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1440,1000", "--no-first-run", "--disable-extensions", "--disable-background-networking");
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
  }

  /**
   * A broker as TestCluster starts one, plus what the lame duck action needs: monitoring actions on
   * and a short lame duck mode.
   */
  private void startBroker(String name, String lookupdTcp) throws Exception {
    Broker b = new Broker(RunningBroker.options("broker.name = \"" + name + "\"\n"
        + "broker.lookupd-tcp-address = [\"" + lookupdTcp + "\"]\n" + TestCluster.BROKER_CONFIG
        + "broker.monitoring-actions = true\nbroker.lame-duck-duration = 2s\nbroker.lame-duck-grace-period = 500ms\n"),
        LookupdDiscovery::new);
    deployments.put(name, cluster.vertx.deployVerticle(b).await(10, TimeUnit.SECONDS));
    cluster.brokers.put(name, b);
  }

  private void stopBroker(String name) throws Exception {
    cluster.vertx.undeploy(deployments.remove(name)).await(10, TimeUnit.SECONDS);
    cluster.brokers.remove(name);
  }

  @AfterEach
  void stop() throws Exception {
    publishing.set(false);
    if (driver != null) {
      driver.quit();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private <T> T until(String what, Duration within, Function<WebDriver, T> condition) {
    // The page redraws every refresh: an element found a moment ago may be gone; the wait tries again.
    return new WebDriverWait(driver, within, Duration.ofMillis(100)).withMessage(what)
        .ignoring(StaleElementReferenceException.class).until(condition);
  }

  /** Clicks the first element matching css, finding it again if a redraw replaced it. */
  private void click(String what, String css) {
    until(what, Duration.ofSeconds(10), d -> {
      List<WebElement> found = all(css);
      if (found.isEmpty()) {
        return false;
      }
      found.get(0).click();
      return true;
    });
  }

  private List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  private void view(String hash, String ready) {
    driver.get(base + hash);
    until("view " + hash + " drawn", Duration.ofSeconds(10), d -> !all(ready).isEmpty());
  }

  private void screenshot(String name) throws IOException {
    Files.createDirectories(SHOTS);
    File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Files.copy(png.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  /** On failure: every view as it is now, and the page's text, for the report. */
  private void failureShots() {
    try {
      screenshot("failure-current");
      Files.writeString(SHOTS.resolve("failure-current.txt"), driver.getPageSource(), StandardCharsets.UTF_8);
      for (String v : List.of("overview", "mesh", "subjects")) {
        driver.get(base + "#/" + v);
        ((JavascriptExecutor) driver).executeAsyncScript("setTimeout(arguments[arguments.length - 1], 2000)");
        screenshot("failure-" + v);
      }
    } catch (Exception e) {
      System.err.println("failure screenshots: " + e);
    }
  }

  private String key(String broker) {
    return "127.0.0.1:" + cluster.brokers.get(broker).httpPort();
  }

  private double rateOf(String broker) {
    List<WebElement> cells = all("#brokers tr[data-name='" + broker + "'] td[data-field='in_msgs_rate']");
    return cells.isEmpty() ? 0 : Double.parseDouble(cells.get(0).getAttribute("data-value"));
  }

  @Test
  void theConsoleShowsTheClusterAndActsOnIt() throws Exception {
    long t0 = System.nanoTime();
    try {
      run();
    } catch (Throwable e) {
      failureShots();
      throw e;
    }
    System.out.println("ConsoleBrowserIT: whole browser run took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
  }

  private void run() throws Exception {
    // Overview: the three brokers, all up.
    view("#/overview", "#brokers");
    until("3 brokers up in the overview", Duration.ofSeconds(10), d -> all("#brokers tbody tr").size() == 3
        && all("#brokers tbody tr span.pill.up").size() == 3);
    for (String b : List.of("b1", "b2", "b3")) {
      assertEquals(1, all("#brokers tr[data-name='" + b + "']").size(), b + " is listed");
    }

    // Publishing on b1 raises its rate in the page within a few seconds.
    Connection pub = cluster.connect("b1");
    Thread publisher = new Thread(() -> {
      byte[] payload = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
      long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (publishing.get() && System.nanoTime() < end) {
        pub.publish("load.test", payload);
        java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
      }
    }, "publisher");
    publisher.setDaemon(true);
    publisher.start();
    long p0 = System.nanoTime();
    double shown = until("b1's msgs-in rate above 0", Duration.ofSeconds(8), d -> rateOf("b1") > 0 ? rateOf("b1") : null);
    long ms = (System.nanoTime() - p0) / 1_000_000;
    System.out.println("ConsoleBrowserIT: b1's rate showed " + shown + " msgs/s after " + ms + " ms");
    until("a chart line for b1", Duration.ofSeconds(5), d -> !all("#brokers tr[data-name='b1'] svg.spark polyline.in")
        .get(0).getAttribute("points").isEmpty());

    // Mesh: three nodes, three edges; reached with the keyboard (key 2).
    driver.findElement(By.tagName("body")).sendKeys("2");
    until("the mesh view after key 2", Duration.ofSeconds(10), d -> !all("#mesh-graph").isEmpty());
    until("3 nodes and 3 route edges", Duration.ofSeconds(10), d -> all("#mesh-graph g.node").size() == 3
        && all("#mesh-graph line.edge.up").size() == 3);
    assertEquals(0, all("#mesh-graph line.edge.missing").size());
    screenshot("mesh");

    // A subject with subscribers on two brokers shows both.
    Connection s2 = cluster.connect("b2");
    Connection s3 = cluster.connect("b3");
    s2.createDispatcher(m -> { }).subscribe("orders");
    s3.createDispatcher(m -> { }).subscribe("orders", "workers");
    s2.flush(Duration.ofSeconds(2));
    s3.flush(Duration.ofSeconds(2));
    view("#/subjects", "#subject-search");
    driver.findElement(By.id("subject-search")).sendKeys("orders");
    String brokersCell = "#subjects tr[data-subject='orders'] td[data-field='brokers'] li";
    until("orders with subscribers on b2 and b3", Duration.ofSeconds(10), d -> {
      List<WebElement> li = all(brokersCell);
      return li.size() == 2 && li.stream().anyMatch(e -> e.getText().startsWith("b2"))
          && li.stream().anyMatch(e -> e.getText().startsWith("b3") && e.getText().contains("workers"));
    });
    until("the search narrowed the list", Duration.ofSeconds(5), d -> all("#subjects tbody tr").size() == 1);
    screenshot("subjects");

    // A tombstone from the page hides the producer from /lookup.
    String b2 = key("b2");
    int b2Port = cluster.brokers.get("b2").httpPort();
    int lookupdHttp = cluster.lookupd("l1").httpPort();
    assertTrue(cluster.get(lookupdHttp, "/lookup?topic=orders").encode().contains("\"http_port\":" + b2Port));
    click("b2's tombstone button", "#subjects tr[data-subject='orders'] li[data-producer='" + b2 + "'] button[data-action='tombstone']");
    until("the confirmation dialog", Duration.ofSeconds(5), d -> driver.findElement(By.id("confirm")).isDisplayed());
    click("the dialog's confirm button", "#confirm-ok");
    TestCluster.await("b2 gone from /lookup?topic=orders", Duration.ofSeconds(5),
        () -> !cluster.get(lookupdHttp, "/lookup?topic=orders").encode().contains("\"http_port\":" + b2Port));
    assertTrue(cluster.get(lookupdHttp, "/lookup?topic=orders").encode()
        .contains("\"http_port\":" + cluster.brokers.get("b3").httpPort()), "b3 still produces orders");
    until("b2 shown tombstoned", Duration.ofSeconds(5),
        d -> !all("#subjects tr[data-subject='orders'] li[data-producer='" + b2 + "'] .pill.ldm").isEmpty());

    // The broker page: connections (paged, sortable), subscriptions, routes.
    view("#/broker/" + key("b1"), "#routes");
    until("b1's page with 2 routes and its connection", Duration.ofSeconds(10), d -> all("#routes tbody tr").size() == 2
        && !all("#connz tbody tr").isEmpty());
    click("the msgs-in sort button", "#connz button[data-fid='sort-msgs_from']");
    until("connections sorted by msgs in", Duration.ofSeconds(5),
        d -> !all("#connz button[data-fid='sort-msgs_from'][aria-sort]").isEmpty());
    screenshot("broker");
    view("#/overview", "#brokers");
    until("b1's rate still shown", Duration.ofSeconds(5), d -> rateOf("b1") > 0);
    screenshot("overview");
    publishing.set(false);
    publisher.join(5000);

    // Stopping a broker turns it red and removes its edges.
    String b3 = key("b3");
    stopBroker("b3");
    view("#/overview", "#brokers");
    until("b3 red at the top of the overview", Duration.ofSeconds(10), d -> {
      List<WebElement> rows = all("#brokers tbody tr");
      return rows.size() == 3 && "b3".equals(rows.get(0).getAttribute("data-name"))
          && rows.get(0).getAttribute("class").contains("bad");
    });
    until("the problem banner names b3", Duration.ofSeconds(5), d -> driver.findElement(By.id("problems")).getText().contains("b3"));
    screenshot("overview-broker-down");
    view("#/mesh", "#mesh-graph");
    until("b3 red without edges, b1-b2 still up", Duration.ofSeconds(10), d ->
        !all("#mesh-graph g.node.bad[data-key='" + b3 + "']").isEmpty()
            && all("#mesh-graph line[data-a='" + b3 + "'], #mesh-graph line[data-b='" + b3 + "']").isEmpty()
            && all("#mesh-graph line.edge.up").size() == 1);
    screenshot("mesh-broker-down");

    // Lame duck mode from the page: b2 is told through its monitoring port, leaves, and is shown so.
    String b2Key = key("b2");
    view("#/overview", "#brokers");
    click("b2's lame duck button", "#brokers tr[data-name='b2'] button[data-action='lameduck']");
    until("the confirmation dialog", Duration.ofSeconds(5), d -> driver.findElement(By.id("confirm")).isDisplayed());
    click("the dialog's confirm button", "#confirm-ok");
    until("b2 in lame duck mode or gone, in red or amber", Duration.ofSeconds(10), d -> {
      List<WebElement> row = all("#brokers tr[data-key='" + b2Key + "']");
      return !row.isEmpty() && row.get(0).getAttribute("class") != null
          && (row.get(0).getAttribute("class").contains("bad") || row.get(0).getAttribute("class").contains("warn"));
    });
    TestCluster.await("b2 undeployed after its lame duck mode", Duration.ofSeconds(10),
        () -> !cluster.vertx.deploymentIDs().contains(deployments.get("b2")));
  }
}
