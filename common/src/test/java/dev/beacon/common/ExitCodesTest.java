package dev.beacon.common;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;

class ExitCodesTest {
  @Test
  void values() {
    assertEquals(0, ExitCodes.OK);
    assertEquals(1, ExitCodes.BAD_SETTING);
    assertEquals(2, ExitCodes.USAGE);
    assertEquals(1, ExitCodes.START_FAILURE);
  }

  @Test
  void theCommandLineUsesThem() {
    CommandLine cl = new CommandLine("demo", "demo", "1");
    assertEquals(ExitCodes.USAGE, ((CommandLine.Exit) cl.parse(new String[] {"--no-such-flag=1"})).status());
    assertEquals(ExitCodes.USAGE, ((CommandLine.Exit) cl.parse(new String[] {"stray"})).status());
    assertEquals(ExitCodes.BAD_SETTING, ((CommandLine.Exit) cl.parse(new String[] {"--config=/no/such/file"})).status());
    assertEquals(ExitCodes.OK, ((CommandLine.Exit) cl.parse(new String[] {"--version"})).status());
    assertEquals(ExitCodes.BAD_SETTING, ((CommandLine.Exit) cl.parse(new String[] {"--max-payload=lots"})).status());
  }
}
