package humaneval;

public class TEST_CLAMP {
    @org.junit.Test
    public void test_c() throws java.lang.Exception {
        org.junit.Assert.assertEquals(5, humaneval.buggy.CLAMP.clamp(9, 5));
    }

    @org.junit.Test
    public void test_a() throws java.lang.Exception {
        org.junit.Assert.assertEquals(0, humaneval.buggy.CLAMP.clamp(-1, 5));
    }

    @org.junit.Test
    public void test_b() throws java.lang.Exception {
        org.junit.Assert.assertEquals(5, humaneval.buggy.CLAMP.clamp(7, 5));
    }
}
