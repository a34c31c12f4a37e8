package humaneval.buggy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;

public class SORT_BY_ONES {
    public static int ones(int n) {
        return Integer.bitCount(n);
    }

    public static ArrayList<Integer> sort(ArrayList<Integer> arr) {
        Collections.sort(arr, new Comparator<Integer>() {
            public int compare(Integer a, Integer b) {
                if (ones(a) == ones(b)) return 0;
                return ones(a) - ones(b);
            }
        });
        return arr;
    }
}
