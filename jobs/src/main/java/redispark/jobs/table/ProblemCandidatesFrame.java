package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import redispark.teacher.Problem;

/** Candidate problems of a source before selection: {@link ProblemsTable}'s columns without the split. */
public final class ProblemCandidatesFrame {
    private ProblemCandidatesFrame() {}

    private static final Columns.Spec COLUMNS = Columns.spec();

    public static final String PROBLEM_ID = COLUMNS.required(ProblemsTable.PROBLEM_ID, StringType);
    public static final String PROBLEM = COLUMNS.required(ProblemsTable.PROBLEM, StringType);
    public static final String GOLD = COLUMNS.required(ProblemsTable.GOLD, StringType);
    public static final String SOURCE = COLUMNS.required(ProblemsTable.SOURCE, StringType);
    public static final String DIFFICULTY = COLUMNS.required(ProblemsTable.DIFFICULTY, IntegerType);

    public static final StructType SCHEMA = COLUMNS.struct();

    public static Row row(Problem p) {
        return Columns.row(SCHEMA, p.problemId(), p.problem(), p.gold(), p.source(), p.difficulty());
    }

    /** The frame's columns of this layout, in its order and types. */
    public static Dataset<Row> conform(Dataset<Row> frame) {
        return Columns.conform(frame, SCHEMA, "problem candidates");
    }
}
