package humaneval;

import java.util.ArrayList;
import java.util.Arrays;

public class TEST_SORT_BY_ONES {
    @org.junit.Test(timeout = 3000)
    public void test_0() throws java.lang.Exception {
        ArrayList<Integer> result = humaneval.buggy.SORT_BY_ONES.sort(new ArrayList<Integer>(Arrays.asList(3, 4, 1, 2)));
        org.junit.Assert.assertEquals(new ArrayList<Integer>(Arrays.asList(1, 2, 4, 3)), result);
    }
}
